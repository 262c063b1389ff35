"""Évaluation d'afn-match : besoins étiquetés (``needs_dev.jsonl``, ``needs_test.jsonl``) et leur chargeur."""
