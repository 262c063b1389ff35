"""Streamlit front end: formats what the API returns; no business logic."""
