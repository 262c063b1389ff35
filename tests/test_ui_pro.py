"""The professional pages (Espace atelier, Conseiller) driven by Streamlit's AppTest against a live API."""

from __future__ import annotations

import html
import io
from pathlib import Path

import httpx
import pytest
from streamlit.testing.v1 import AppTest

from ui.client import ApiError
from ui.views import pro_parts

VIEWS = Path(__file__).resolve().parents[1] / "ui" / "views"
WORKSHOP = "besancon-precision"  # a workshop no other UI test writes to, with room for many leads
SIRET = "73282932000074"


def page(name: str) -> AppTest:
    return AppTest.from_file(str(VIEWS / name), default_timeout=60)


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def texts(at: AppTest) -> str:
    """Everything the page wrote, in one string (markdown, captions, alerts, headers)."""
    parts = [e.value for e in (*at.markdown, *at.caption, *at.header, *at.title, *at.info, *at.warning,
                               *at.error, *at.success)]
    return html.unescape("\n".join(str(p) for p in parts))


def send_lead(live_api: str, workshop_id: str, text: str, email: str = "contact@entreprise.example") -> dict:
    """A company's need, sent to one workshop: the lead as the API returns it."""
    r = httpx.post(f"{live_api}/v1/needs", json={"text": text, "commune": "Besançon", "radius_km": 50,
                                                 "contact_email": email, "siret": SIRET}, timeout=60)
    assert r.status_code == 201, r.text
    need, token = r.json()["need"], r.json()["token"]
    r = httpx.post(f"{live_api}/v1/needs/{need['id']}/leads", json={"workshop_ids": [workshop_id]},
                   headers={"X-Follow-Token": token}, timeout=30)
    assert r.status_code == 201, r.text
    return r.json()[0]


@pytest.fixture(scope="module")
def workshop_key(live_platform) -> str:
    return live_platform.create_key("workshop", WORKSHOP).key


@pytest.fixture(scope="module")
def adviser_key(live_platform) -> str:
    return live_platform.create_key("adviser").key


def workshop_page(key: str | None) -> AppTest:
    at = page("workshop.py").run()
    no_exception(at)
    if key:
        at.text_input(key="ws_key").set_value(key).run()
        no_exception(at)
    return at


# --- Espace atelier -----------------------------------------------------------------------------
def test_workshop_page_without_key_explains_how_to_get_one(live_api):
    at = workshop_page(None)
    assert "clé de votre atelier" in at.info[0].value
    assert any("afn-match admin create-key --role workshop --atelier" in c.value for c in at.code)
    assert not at.error


def test_workshop_page_invalid_key_shows_the_french_401(live_api):
    at = workshop_page("afnk_cle-inventee")
    assert at.error and "Clé d'API inconnue ou révoquée" in at.error[0].value
    assert not at.tabs


def test_workshop_page_with_an_adviser_key_is_refused_in_french(live_api, adviser_key):
    at = workshop_page(adviser_key)
    assert at.error and "réservée au rôle" in at.error[0].value


def test_workshop_inbox_shows_the_lead_and_take_changes_its_status(live_api, workshop_key):
    lead = send_lead(live_api, WORKSHOP, "Usinage d'une série de 40 pièces en aluminium pour un banc de test")
    at = workshop_page(workshop_key)
    assert at.header[0].value == "Besançon Précision"
    page_text = texts(at)
    assert "Usinage d'une série de 40 pièces en aluminium" in page_text
    assert "contact@entreprise.example" in page_text and SIRET in page_text
    assert "à traiter avant le" in page_text
    assert '<div class="lbl">Nouvelles</div>' in page_text and '<div class="lbl">Places libres</div>' in page_text

    at.button(key=f"ws_take_{lead['id']}").click().run()
    no_exception(at)
    assert at.success and "prise en charge" in at.success[0].value.lower()
    assert any("prise en charge" in str(t.value) for t in at.toast)
    assert ":violet-badge[🤝 Prise en charge]" in texts(at)  # the card's badge
    status = httpx.get(f"{live_api}/v1/leads", headers={"Authorization": f"Bearer {workshop_key}"}).json()
    assert next(x for x in status if x["id"] == lead["id"])["status_label"] == "Prise en charge"
    # the card now offers to close it, and the filter finds it under « Prises en charge »
    at.segmented_control(key="ws_filter").set_value("Prises en charge").run()
    no_exception(at)
    assert at.button(key=f"ws_close_{lead['id']}")
    at.radio(key=f"ws_outcome_{lead['id']}").set_value("close_done")
    at.button(key=f"ws_close_{lead['id']}").click().run()
    no_exception(at)
    assert at.success and "Terminée" in at.success[0].value


def test_workshop_decline_needs_a_reason(live_api, workshop_key):
    lead = send_lead(live_api, WORKSHOP, "Fraisage de plaques de laiton pour des enseignes, une dizaine d'exemplaires")
    at = workshop_page(workshop_key)
    at.button(key=f"ws_decline_{lead['id']}").click().run()
    no_exception(at)
    assert at.error and "Un refus doit être motivé" in at.error[0].value
    at.selectbox(key=f"ws_reason_{lead['id']}").set_value("complet")
    at.text_area(key=f"ws_comment_{lead['id']}").input("Plus de créneau avant l'été")
    at.button(key=f"ws_decline_{lead['id']}").click().run()
    no_exception(at)
    assert at.success and "refusée" in at.success[0].value
    got = httpx.get(f"{live_api}/v1/leads", params={"status": "declined"},
                    headers={"Authorization": f"Bearer {workshop_key}"}).json()
    mine = next(x for x in got if x["id"] == lead["id"])
    assert mine["decline_reason"] == "complet" and mine["comment"] == "Plus de créneau avant l'été"


def test_workshop_edit_capacity_persists(live_api, workshop_key):
    headers = {"Authorization": f"Bearer {workshop_key}"}
    before = httpx.get(f"{live_api}/v1/workshops/me", headers=headers).json()
    at = workshop_page(workshop_key)
    capacity = next(w for w in at.number_input if w.label.startswith("Capacité"))
    capacity.set_value(before["capacity"] + 3)
    opening = next(w for w in at.text_input if w.label == "Horaires d'ouverture")
    opening.set_value("Du lundi au vendredi, 8h-17h")
    next(b for b in at.button if b.label == "Enregistrer").click().run()
    no_exception(at)
    assert at.success and "Fiche mise à jour" in at.success[0].value
    after = httpx.get(f"{live_api}/v1/workshops/me", headers=headers).json()
    assert after["capacity"] == before["capacity"] + 3
    assert after["opening"] == "Du lundi au vendredi, 8h-17h"
    # the fresh form shows what the API kept
    assert next(w for w in at.number_input if w.label.startswith("Capacité")).value == before["capacity"] + 3


def test_workshop_edit_shows_the_api_validation_error(live_api, workshop_key):
    at = workshop_page(workshop_key)
    services = next(w for w in at.text_area if w.label.startswith("Services"))
    services.set_value("ok\nUn service correctement décrit")
    next(b for b in at.button if b.label == "Enregistrer").click().run()
    no_exception(at)
    assert at.error and "chaque service fait entre 3 et 300 caractères" in at.error[0].value


# --- Conseiller: the needs file ------------------------------------------------------------------
HEADER_FR = "référence;besoin;commune;rayon_km;email;siret"


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


GOOD = [
    ("semicolon_utf8.csv",
     f"{HEADER_FR}\nBoulangerie;Découpe laser de lettres;Lorient;30;a@b.fr;{SIRET}\n".encode("utf-8"),
     {"reference": "Boulangerie", "text": "Découpe laser de lettres", "commune": "Lorient", "radius_km": 30.0,
      "contact_email": "a@b.fr", "siret": SIRET}),
    ("bom_and_crlf.csv",
     ("\ufeff" + HEADER_FR + "\r\n;Gravure sur bois;56100;;;\r\n").encode("utf-8"),
     {"reference": None, "text": "Gravure sur bois", "commune": "56100", "contact_email": None, "siret": None}),
    ("comma.csv",
     'reference,text,commune,radius_km,contact_email,siret\nR1,"Usinage, petite série",Vannes,"12,5",,\n'.encode(),
     {"reference": "R1", "text": "Usinage, petite série", "commune": "Vannes", "radius_km": 12.5,
      "contact_email": None, "siret": None}),
    ("windows.csv",
     "Référence;Besoin;Commune\nCafé;Enseigne découpée à la fraiseuse numérique;Quimperlé\n".encode("cp1252"),
     {"reference": "Café", "text": "Enseigne découpée à la fraiseuse numérique", "commune": "Quimperlé",
      "contact_email": None, "siret": None}),
    ("only_required.csv", "besoin;commune\nImpression 3D d'un boîtier;Brest\n".encode(),
     {"reference": None, "text": "Impression 3D d'un boîtier", "commune": "Brest", "contact_email": None,
      "siret": None}),
    ("spaced_siret.csv", f"{HEADER_FR}\nX;Broderie de logos;Lorient;40;;732 829 320 00074\n".encode(),
     {"reference": "X", "text": "Broderie de logos", "commune": "Lorient", "radius_km": 40.0,
      "contact_email": None, "siret": SIRET}),
    ("besoins.xlsx",
     xlsx_bytes([["référence", "besoin", "commune", "rayon_km", "email", "siret"],
                 ["Menuiserie", "Prototype d'une fixation", "Vannes", 50, "m@x.fr", int(SIRET)]]),
     {"reference": "Menuiserie", "text": "Prototype d'une fixation", "commune": "Vannes", "radius_km": 50.0,
      "contact_email": "m@x.fr", "siret": SIRET}),
]


@pytest.mark.parametrize(("name", "data", "need"), GOOD, ids=[g[0] for g in GOOD])
def test_needs_file_is_read(name, data, need):
    parsed = pro_parts.parse_needs(name, data)
    assert parsed.needs == [need]
    assert parsed.lines == [2]


def test_needs_file_template_reads_back():
    parsed = pro_parts.parse_needs("modele.csv", pro_parts.template_csv())
    assert len(parsed.needs) == len(pro_parts.TEMPLATE_ROWS) and parsed.lines == [2, 3]
    assert pro_parts.template_csv().startswith("\ufeff".encode()) and b"besoin;commune" in pro_parts.template_csv()


def test_needs_file_skips_blank_lines_and_reports_unknown_columns():
    data = "besoin;commune;notes\n\nDécoupe vinyle;Lorient;à rappeler\n;;\nGravure;Vannes;\n".encode()
    parsed = pro_parts.parse_needs("x.csv", data)
    assert [n["text"] for n in parsed.needs] == ["Découpe vinyle", "Gravure"]
    assert parsed.lines == [3, 5]
    assert parsed.ignored == ["notes"]


BAD = [
    ("missing_column.csv", "référence;besoin;ville_de_l_entreprise\nA;Découpe;Lorient\n".encode(),
     "Colonne manquante : « commune »"),
    ("missing_both.csv", "a;b\n1;2\n".encode(), "Colonnes manquantes : « besoin » et « commune »"),
    ("empty_text.csv", "besoin;commune\nDécoupe;Lorient\n;Vannes\n".encode(),
     "Ligne 3 : la colonne « besoin » est vide."),
    ("empty_commune.xlsx", xlsx_bytes([["besoin", "commune"], ["Découpe", None]]),
     "Ligne 2 : la colonne « commune » est vide."),
    ("bad_radius.csv", "besoin;commune;rayon_km\nDécoupe;Lorient;trente\n".encode(),
     "Ligne 2 : rayon « trente » illisible"),
    ("header_only.csv", b"besoin;commune\n", "aucun besoin"),
    ("empty.csv", b"", "Le fichier est vide"),
    ("twice.csv", "besoin;texte;commune\na;b;c\n".encode(), "La colonne « besoin » apparaît deux fois"),
    ("old.xls", b"\xd0\xcf\x11\xe0", "Le format .xls"),
    ("broken.xlsx", b"PK\x03\x04 pas un classeur", "Fichier Excel illisible"),
    ("too_many.csv", ("besoin;commune\n" + "Découpe laser;Lorient\n" * 1001).encode(),
     "1001 besoins : 1000 au plus"),
]


@pytest.mark.parametrize(("name", "data", "message"), BAD, ids=[b[0] for b in BAD])
def test_needs_file_errors_are_french_and_precise(name, data, message):
    with pytest.raises(pro_parts.NeedsFileError) as err:
        pro_parts.parse_needs(name, data)
    assert message in err.value.message


def test_api_validation_error_points_at_the_file_line():
    field = {"champ": "needs.1.siret", "message": "SIRET invalide (14 chiffres, clé de contrôle)"}
    exc = ApiError("Requête invalide : « needs.1.siret » : SIRET invalide.", "requete_invalide", 422,
                   {"champs": [field]})
    assert pro_parts.explain_error(exc, [2, 5, 6]) == \
        "Ligne 5 du fichier, colonne « siret » : SIRET invalide (14 chiffres, clé de contrôle)."
    assert pro_parts.explain_error(ApiError("Clé d'API inconnue ou révoquée.", status=401), [2]) == \
        "Clé d'API inconnue ou révoquée."


def test_job_polling_and_fallback_to_the_synchronous_endpoint():
    """The page uses the job API when the server has it, the synchronous endpoint otherwise."""
    calls: list[tuple[str, str]] = []

    class Fake:
        def __init__(self, has_jobs: bool, fail: bool = False):
            self.has_jobs, self.fail, self.polls = has_jobs, fail, 0

        def post(self, path, body):
            calls.append(("POST", path))
            if path.endswith("/jobs"):
                if not self.has_jobs:
                    raise ApiError("Méthode non autorisée pour cette adresse.", "methode_interdite", 405)
                return {"job_id": "job_1", "status": "running", "progress": 0.0, "done": 0, "total": 2}
            return {"id": "short_sync", "items": []}

        def get(self, path):
            calls.append(("GET", path))
            self.polls += 1
            if self.fail:
                return {"job_id": "job_1", "status": "error", "progress": 0.5, "done": 1, "total": 2,
                        "error": {"code": "erreur_interne", "message": "Erreur interne pendant le calcul."}}
            done = self.polls >= 2
            return {"job_id": "job_1", "status": "done" if done else "running", "progress": 1.0 if done else 0.5,
                    "done": 2 if done else 1, "total": 2, "shortlist_id": "short_1" if done else None}

        def shortlist(self, sid):
            return {"id": sid, "items": []}

    body = pro_parts.shortlist_body([{"text": "x", "commune": "Lorient"}], 3, True)
    assert pro_parts.start_shortlist(Fake(False), body) == {"shortlist": {"id": "short_sync", "items": []}}
    seen: list[float] = []
    api = Fake(True)
    started = pro_parts.start_shortlist(api, body)
    out = pro_parts.wait_job(api, started["job"], lambda j: seen.append(j["progress"]), sleep=lambda s: None)
    assert out["id"] == "short_1" and seen == [0.0, 0.5, 1.0]
    with pytest.raises(ApiError, match="Erreur interne pendant le calcul"):
        pro_parts.wait_job(Fake(True, fail=True), started["job"], sleep=lambda s: None)


def test_dates_are_french_in_paris_time():
    assert pro_parts.fr_date("2025-03-01T13:05:00Z") == "1er mars 2025"
    assert pro_parts.fr_date("2025-07-14T08:05:00+00:00", with_time=True) == "14 juillet 2025 à 10 h 05"
    assert pro_parts.fr_date(None) == "—"
    assert pro_parts.plural(1, "besoin") == "1 besoin" and pro_parts.plural(3, "besoin") == "3 besoins"


# --- Conseiller: the page ----------------------------------------------------------------------------
NEEDS_CSV = (  # places where no other UI test sends leads, so the workshops there have room
    f"{HEADER_FR}\n"
    "Boulangerie Koenig;Découpe laser de lettres en contreplaqué pour notre vitrine;Strasbourg;50;"
    "contact@boulangerie.example;\n"
    "Capteurs Alpins;Impression 3D de prototypes de boîtiers en plastique pour un capteur;Grenoble;50;;\n"
).encode("utf-8")


def adviser_page(key: str | None) -> AppTest:
    at = page("adviser.py").run()
    no_exception(at)
    if key:
        at.text_input(key="adv_key").set_value(key).run()
        no_exception(at)
    return at


def test_adviser_page_without_key_explains_and_offers_the_template(live_api):
    at = adviser_page(None)
    assert "clé de conseiller" in at.info[0].value
    assert any("--role adviser" in c.value for c in at.code)
    assert [d.label for d in at.download_button] == ["Télécharger le modèle (CSV)"]


def test_adviser_page_invalid_key_shows_the_french_401(live_api):
    at = adviser_page("afnk_pas-une-vraie-cle")
    assert at.error and "Clé d'API inconnue ou révoquée" in at.error[0].value
    assert not at.file_uploader


def test_adviser_bad_file_and_bad_siret_are_explained(live_api, adviser_key):
    at = adviser_page(adviser_key)
    at.file_uploader(key="adv_file").set_value(("besoins.csv", b"besoin;adresse\nx;y\n", "text/csv")).run()
    no_exception(at)
    assert at.error and "Colonne manquante : « commune »" in at.error[0].value
    assert at.button(key="adv_run").disabled
    data = f"{HEADER_FR}\nA;Découpe laser;Lorient;30;;\nB;Gravure laser;Vannes;30;;12345678901234\n".encode()
    at.file_uploader(key="adv_file").set_value(("besoins.csv", data, "text/csv")).run()
    no_exception(at)
    at.button(key="adv_run").click().run()
    no_exception(at)
    assert at.error and at.error[0].value.startswith("Ligne 3 du fichier, colonne « siret » : SIRET invalide")


def test_adviser_shortlist_run_review_send_and_follow(live_api, live_platform, adviser_key):
    at = adviser_page(adviser_key)
    assert [d.label for d in at.download_button] == ["Télécharger le modèle (CSV)"]
    assert "Aucune liste pour l'instant" in texts(at)
    at.file_uploader(key="adv_file").set_value(("besoins.csv", NEEDS_CSV, "text/csv")).run()
    no_exception(at)
    assert "2 besoins lus dans « besoins\\.csv »." in texts(at)  # the file name is Markdown-escaped
    preview = at.dataframe[0].value
    assert list(preview["commune"]) == ["Strasbourg", "Grenoble"]

    at.slider(key="adv_k").set_value(2)
    at.button(key="adv_run").click().run()
    no_exception(at)
    assert any("Affectation terminée : 2 besoins traités." in s.value for s in at.success)
    sl = at.session_state["adv_sl"]
    assert sl["k"] == 2 and len(sl["items"]) == 2
    assert {d.label for d in at.download_button} >= {"Exporter en CSV", "Exporter en Excel"}
    table = at.dataframe[1].value
    assert list(table["référence"]) == ["Boulangerie Koenig", "Capteurs Alpins"]
    assert set(table["statut"]) <= {"🟢 affecté", "🟠 affecté en partie", "🔴 non affecté"}

    # adjust the first need: keep its first pick, add an alternative when there is one
    first = sl["items"][0]
    assert first["picks"] and first["alternatives"], first
    widget = at.multiselect(key=f"adv_sel_{sl['id']}_{first['need_id']}")
    wanted = [first["picks"][0]["workshop_id"], first["alternatives"][0]["workshop_id"]]
    widget.set_value(wanted).run()
    no_exception(at)
    assert at.session_state["adv_choice"][first["need_id"]] == wanted

    # one of the second need's workshops fills up meanwhile: the API refuses that need, in French
    second = sl["items"][1]
    full = second["picks"][0]["workshop_id"]
    headers = {"Authorization": f"Bearer {live_platform.create_key('workshop', full).key}"}
    capacity = httpx.get(f"{live_api}/v1/workshops/me", headers=headers).json()["capacity"]
    assert httpx.patch(f"{live_api}/v1/workshops/me", json={"capacity": 0}, headers=headers).status_code == 200
    try:
        at.button(key="adv_send").click().run()
    finally:
        httpx.patch(f"{live_api}/v1/workshops/me", json={"capacity": capacity}, headers=headers)
    no_exception(at)
    sent = at.session_state["adv_sent"]
    assert sent[first["need_id"]]["ok"]
    assert not sent[second["need_id"]]["ok"]
    assert "Plus de place pour le moment chez" in sent[second["need_id"]]["message"]
    assert at.warning and "1 besoin envoyé, 1 en échec" in at.warning[0].value
    assert any("Plus de place pour le moment chez" in e.value for e in at.error)
    assert any("Mise en relation envoyée à" in s.value for s in at.success)  # the first need is now locked
    assert f"adv_sel_{sl['id']}_{first['need_id']}" not in {m.key for m in at.multiselect}
    report = at.dataframe[2].value
    assert list(report["n°"]) == [1, 2] and report["résultat"][0].startswith("✅ envoyée à")

    # the adviser removes the full workshop and sends the second need again
    keep = [w for w in at.session_state["adv_choice"][second["need_id"]] if w != full]
    if keep:
        at.multiselect(key=f"adv_sel_{sl['id']}_{second['need_id']}").set_value(keep).run()
        at.button(key="adv_send").click().run()
        no_exception(at)
        assert at.session_state["adv_sent"][second["need_id"]]["ok"]
        assert at.button(key="adv_send").disabled

    leads = httpx.get(f"{live_api}/v1/adviser/leads", headers={"Authorization": f"Bearer {adviser_key}"}).json()
    assert {x["workshop_id"] for x in leads if x["need_id"] == first["need_id"]} == set(wanted)
    follow = at.dataframe[-1].value
    assert "atelier" in follow.columns and len(follow) == len(leads)
    assert "Boulangerie Koenig (Strasbourg)" in set(follow["demande"])

    # a new session reopens the list by its id: what was sent is known from the API, nothing is sent twice
    again = adviser_page(adviser_key)
    again.text_input(key="adv_open_id").set_value(sl["id"])
    again.button(key="adv_open").click().run()
    no_exception(again)
    assert again.session_state["adv_sl"]["id"] == sl["id"]
    assert any("Mise en relation envoyée à" in s.value for s in again.success)
    assert again.button(key="adv_send").disabled == bool(keep)
