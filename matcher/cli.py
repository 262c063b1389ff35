"""Ligne de commande ``afn-match`` (typer + rich). Everything printed is French."""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

try:  # typer vendors its own click; usage errors are raised from there
    from typer._click import exceptions as cx
except ImportError:  # pragma: no cover - older typer on plain click
    import click.exceptions as cx

from .errors import AfnError, InvalidInput
from .settings import get_settings
from .text import fr_number

app = typer.Typer(
    name="afn-match",
    help="Trouver l'atelier de fabrication numérique (fablab, tiers-lieu...) qui peut réaliser un projet.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)


def fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]Erreur :[/] {message}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Any error becomes a French message and an exit code; never a traceback."""
    try:
        yield
    except typer.Exit:
        raise
    except AfnError as exc:
        fail(exc.message, 2)
    except KeyboardInterrupt:
        fail("interrompu.", 130)
    except Exception as exc:  # last resort: a readable message, the details only on request
        if os.environ.get("AFN_DEBUG"):
            raise
        fail(f"erreur inattendue ({type(exc).__name__} : {exc}). Relancez avec AFN_DEBUG=1 pour le détail.", 1)


@contextmanager
def progress_bar(quiet: bool = False) -> Iterator[Callable[[str, float], None]]:
    """A rich progress display fed by ``(label, fraction)`` callbacks."""
    if quiet:
        yield lambda label, fraction: None
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f} %"),
                  TimeElapsedColumn(), console=err, transient=False) as bar:
        tasks: dict[str, int] = {}

        def update(label: str, fraction: float) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(label, total=100)
            bar.update(tasks[label], completed=max(0.0, min(1.0, fraction)) * 100)

        yield update


def load_service(quiet: bool = True):
    from .service import MatchService

    with progress_bar(quiet) as progress:
        return MatchService.from_settings(progress=progress)


@app.command()
def prepare() -> None:
    """Préparer le modèle (conversion unique), la table des communes et l'index des ateliers."""
    from .service import prepare as do_prepare

    with friendly_errors():
        t0 = time.perf_counter()
        with progress_bar() as progress:
            done = do_prepare(get_settings(), progress=progress)
        for key, value in done.items():
            out.print(f"[green]✓[/] {key} : {value}")
        out.print(f"Prêt en {time.perf_counter() - t0:.1f} s.")


@app.command()
def match(
    texte: Annotated[str | None, typer.Argument(help="Le besoin, en français courant.")] = None,
    commune: Annotated[str | None, typer.Option("--commune", "-c", help="Commune, code postal ou code INSEE.")] = None,
    rayon: Annotated[float | None, typer.Option("--rayon", "-r", help="Rayon de recherche en km (50 par défaut).")] = None,
    top: Annotated[int | None, typer.Option("--top", "-n", help="Nombre de résultats (10 par défaut).")] = None,
    avec_place: Annotated[bool, typer.Option("--avec-place", help="Seulement les ateliers qui ont de la place.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON (pour les programmes).")] = False,
    batch: Annotated[Path | None, typer.Option("--batch", help="Fichier JSONL de besoins (id, text, commune, radius_km).")] = None,
) -> None:
    """Proposer les ateliers qui peuvent réaliser un besoin, du plus pertinent au moins pertinent."""
    from .service import MatchRequest, validate_request

    with friendly_errors():
        if batch is not None:
            if texte is not None:
                raise InvalidInput("Donnez soit un texte, soit --batch, pas les deux.")
            run_batch(batch, top, avec_place)
            return
        if texte is None or not texte.strip():
            raise InvalidInput("Décrivez votre besoin entre guillemets, par exemple : "
                               "afn-match match \"découpe laser de lettres en bois\" --commune Lorient")
        if not commune:
            raise InvalidInput("Indiquez la commune du projet avec --commune (nom, code postal ou code INSEE).")
        req = MatchRequest(text=texte, commune=commune, radius_km=rayon, top_k=top, only_with_capacity=avec_place)
        validate_request(req, get_settings())  # fail fast, before loading the model
        service = load_service()
        resp = service.match(req)
        if as_json:
            sys.stdout.write(resp.model_dump_json(indent=2) + "\n")
        else:
            print_response(resp, service)


@app.command(name="eval")
def evaluate_cmd(
    needs: Annotated[Path | None, typer.Option("--needs", help="Fichier JSONL de besoins étiquetés (format de eval/).")] = None,
    split: Annotated[str | None, typer.Option("--split", help="Jeu fourni : dev (réglage) ou test (tenu à l'écart) ; "
                                               "défaut : dev, ou les deux avec --real.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON (pour les programmes).")] = False,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Dossier où écrire REPORT.md, results.json et les graphiques.")] = None,
    real: Annotated[bool, typer.Option("--real", help="Sur les annuaires réels (AFN_REAL_DATA) importés, avec la "
                                       "pertinence jugée sur les fiches sources ; écrit eval/real/REPORT.md.")] = False,
) -> None:
    """Mesurer la qualité des recommandations : références, classement complet et ablations."""
    with friendly_errors():
        if split not in (None, "dev", "test"):
            raise InvalidInput(f"--split doit valoir dev ou test (reçu : {split}).")
        if real:
            return evaluate_real(split, as_json)
        split = split or "dev"
        try:
            from eval.needs import load_needs
            from eval.report import COLUMNS, LABELS, compare, fmt_metric, write_report
        except ImportError:
            raise InvalidInput("le dossier eval/ du dépôt est introuvable : lancez la commande depuis le dépôt.") from None
        from .settings import REPO_ROOT

        path = needs or REPO_ROOT / "eval" / f"needs_{split}.jsonl"
        labelled = load_needs(path)
        service = load_service()
        with progress_bar(quiet=as_json) as progress:
            comp = compare(service, labelled, str(path), progress=progress)
        if out_dir is not None:
            report = write_report(comp, service, out_dir)
            err.print(f"Rapport écrit : {report}")
        if as_json:
            sys.stdout.write(json.dumps(comp.to_json(), ensure_ascii=False) + "\n")
            return
        table = Table(title=f"{path.name} : {len(labelled)} besoins, {len(comp.full_ndcg)} notés")
        table.add_column("système")
        for col in COLUMNS:
            table.add_column(LABELS[col], justify="right")
        for name, row in comp.table.items():
            table.add_row(name, *(fmt_metric(row.get(c, float("nan"))) for c in COLUMNS))
        out.print(table)
        out.print(f"Écart du classement complet sur la meilleure référence (nDCG@10) : "
                  f"{comp.margin_over_baselines():+.3f}")
        if comp.without_relevant:
            out.print(f"Sans atelier pertinent (hors moyennes) : {', '.join(comp.without_relevant)}")


def evaluate_real(split: str | None, as_json: bool) -> None:
    try:
        from eval.real.evaluate_real import compare_real
        from eval.real.report_real import COLUMNS, LABELS, fmt, write_report
    except ImportError:
        raise InvalidInput("le dossier eval/ du dépôt est introuvable : lancez la commande depuis le dépôt.") from None
    from .encoder import load_encoder

    settings = get_settings()
    encoder = load_encoder(settings)
    comps = []
    with progress_bar(quiet=as_json) as progress:
        for one in [split] if split else ["dev", "test"]:
            comps.append(compare_real(settings, one, encoder=encoder, progress=progress)[0])
    report = write_report(comps)
    err.print(f"Rapport écrit : {report}")
    if as_json:
        sys.stdout.write(json.dumps({c.split: {name: f.values for name, f in c.figures.items()} for c in comps},
                                    ensure_ascii=False) + "\n")
        return
    for c in comps:
        table = Table(title=f"Annuaires réels, jeu {c.split} : {len(c.needs)} besoins, {c.n_workshops} ateliers")
        table.add_column("système")
        for col in COLUMNS:
            table.add_column(LABELS[col], justify="right")
        for name, f in c.figures.items():
            table.add_row(name, *(fmt(f.values.get(col, float("nan")), col) for col in COLUMNS))
        out.print(table)
        out.print(f"Écart nDCG@5 sur « 5 plus proches » : {c.margin():+.3f}")


def run_batch(path: Path, top: int | None, avec_place: bool) -> None:
    from .service import MatchRequest

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InvalidInput(f"Fichier introuvable : {path}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} : encodage invalide (UTF-8 attendu).") from None
    ids: list[str] = []
    reqs: list[MatchRequest | None] = []
    errors: dict[int, str] = {}
    for no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError
        except ValueError:
            errors[len(reqs)] = f"ligne {no} : JSON invalide (un objet par ligne attendu)"
            ids.append(f"ligne-{no}")
            reqs.append(None)
            continue
        ids.append(str(obj.get("id", f"ligne-{no}")))
        missing = [f for f in ("text", "commune") if not obj.get(f)]
        if missing:
            errors[len(reqs)] = f"ligne {no} : champ(s) manquant(s) : {', '.join(missing)}"
            reqs.append(None)
            continue
        try:
            reqs.append(MatchRequest(text=str(obj["text"]), commune=str(obj["commune"]),
                                     radius_km=obj.get("radius_km"), top_k=top, only_with_capacity=avec_place))
        except ValueError as exc:  # pydantic: name the field, in French
            loc = exc.errors()[0]["loc"] if hasattr(exc, "errors") else ()
            field = ".".join(str(p) for p in loc) or "?"
            errors[len(reqs)] = f"ligne {no} : valeur invalide pour « {field} »"
            reqs.append(None)
    service = load_service()
    valid = [r for r in reqs if r is not None]
    answers = iter(service.match_batch(valid))
    failed = 0
    for pos, (rid, req) in enumerate(zip(ids, reqs, strict=True)):
        if req is None:
            record = {"id": rid, "error": {"code": "ligne_invalide", "message": errors[pos]}}
        else:
            ans = next(answers)
            if isinstance(ans, AfnError):
                record = {"id": rid, "error": {"code": ans.code, "message": ans.message}}
            else:
                record = {"id": rid, **ans.model_dump()}
        failed += "error" in record
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    if failed:
        err.print(f"{failed} besoin(s) sur {len(reqs)} en erreur (voir le champ « error »).")
        raise typer.Exit(2)


def print_response(resp, service) -> None:
    c = resp.commune
    out.print(f"[bold]Commune :[/] {c.name} ({c.dep}) — rayon {fr_number(resp.radius_km)} km")
    for note in resp.notes:
        out.print(f"[yellow]Note :[/] {note}")
    if resp.out_of_scope:
        out.print(f"[yellow]{resp.message}[/]")
        return
    if resp.inferred_capabilities:
        groups = [" ou ".join(service.taxonomy.label(code) for code in g) for g in resp.inferred_capabilities]
        out.print("[bold]Besoin compris :[/] " + " + ".join(groups))
    table = Table(show_lines=True)
    for col in ("#", "Atelier", "Distance", "Capacités", "Service le plus proche", "Places / délai"):
        table.add_column(col, overflow="fold")
    for rank, r in enumerate(resp.results, start=1):
        caps = "\n".join(f"{'✓' if e.status == 'confirmed' else '?' if e.status == 'to_confirm' else '✗'} "
                         f"{e.label} [dim]({e.text})[/]" for e in r.evidence)
        if not r.evidence:
            caps = ", ".join(service.taxonomy.label(code) for code in r.matched_capabilities)
        if not r.within_radius:
            caps += "\n[yellow]au-delà du rayon[/]"
        room = f"{r.remaining_capacity}\n[dim]{r.lead_time_days} j[/]" if r.capacity_known else "[dim]non renseigné[/]"
        table.add_row(str(rank), f"{r.name}\n[dim]{r.commune} · {service.taxonomy.label(r.profile)}[/]",
                      f"{fr_number(r.distance_km)} km", caps, r.best_service or "[dim]—[/]", room)
    out.print(table)


#: what each typed option expects, for French usage errors
@app.command()
def serve(
    host: Annotated[str | None, typer.Option("--host", help="Adresse d'écoute (127.0.0.1 par défaut).")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (8000 par défaut).")] = None,
) -> None:
    """Démarrer l'API HTTP (documentation sur /docs) ; la base est migrée et le catalogue chargé au besoin."""
    import uvicorn

    s = get_settings()
    with friendly_errors():
        if port is not None and not 1 <= port <= 65535:
            raise InvalidInput(f"Port invalide : {port} (entre 1 et 65535).")
        out.print(f"API sur http://{host or s.api_host}:{port or s.api_port} (documentation : /docs)")
        uvicorn.run("api.app:create_app", factory=True, host=host or s.api_host, port=port or s.api_port,
                    log_level="warning")


@app.command()
def ui(
    port: Annotated[int, typer.Option("--port", help="Port de l'interface (8501 par défaut).")] = 8501,
    api_url: Annotated[str | None, typer.Option("--api-url", help="Adresse de l'API (AFN_API_URL, http://127.0.0.1:8000 par défaut).")] = None,
    host: Annotated[str, typer.Option("--host", help="Adresse d'écoute.")] = "127.0.0.1",
) -> None:
    """Démarrer l'interface web (Streamlit) ; elle parle à l'API par HTTP."""
    import signal
    import subprocess

    from .settings import REPO_ROOT

    with friendly_errors():
        if not 1 <= port <= 65535:
            raise InvalidInput(f"Port invalide : {port} (entre 1 et 65535).")
        url = api_url or os.environ.get("AFN_API_URL") or get_settings().api_url
        if not re.match(r"^https?://", url):
            raise InvalidInput(f"Adresse d'API invalide : {url} (http://... attendu).")
        out.print(f"Interface sur http://{host}:{port} (API : {url})")
        cmd = [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "ui" / "app.py"),
               "--server.port", str(port), "--server.address", host, "--server.headless", "true",
               "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal"]
        proc = subprocess.Popen(cmd, env={**os.environ, "AFN_API_URL": url})
        signal.signal(signal.SIGTERM, lambda *_: proc.terminate())  # stopping us stops Streamlit too
        try:
            code = proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            code = proc.wait()
        raise typer.Exit(code)


admin = typer.Typer(help="Administration : clés d'API, expiration des mises en relation.", no_args_is_help=True)
app.add_typer(admin, name="admin")


def open_store():
    """The database only (no model): migrated, catalogue seeded when empty."""
    from . import store
    from .catalogue import load_catalogue
    from .db import make_engine, migrate, sessions, transaction

    s = get_settings()
    engine = make_engine(s.database_url)
    migrate(engine)
    factory = sessions(engine)
    if s.seed_catalogue:
        with transaction(factory) as session:
            store.seed_workshops(session, load_catalogue(s.catalogue).workshops, source=s.catalogue.name)
    return factory


@admin.command("create-key")
def create_key(
    role: Annotated[str, typer.Option("--role", help="workshop (atelier), adviser (conseiller) ou admin.")],
    atelier: Annotated[str | None, typer.Option("--atelier", help="Identifiant de l'atelier (rôle workshop).")] = None,
    label: Annotated[str, typer.Option("--label", help="Libellé libre (nom de la personne ou de la structure).")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON.")] = False,
) -> None:
    """Créer une clé d'API. La clé n'est affichée qu'une fois : seule son empreinte est conservée."""
    from . import store
    from .db import transaction

    with friendly_errors():
        with transaction(open_store()) as session:
            row, secret = store.create_key(session, role, atelier, label)
            key_id, key_role, workshop = row.id, row.role, row.workshop_id
        if as_json:
            sys.stdout.write(json.dumps({"id": key_id, "role": key_role, "workshop_id": workshop, "key": secret}) + "\n")
            return
        out.print(f"Clé {key_id} ({key_role}{' — ' + workshop if workshop else ''}) :")
        out.print(secret, highlight=False, soft_wrap=True)
        out.print("[yellow]Conservez-la maintenant : elle ne sera plus affichée.[/]")


@admin.command("revoke-key")
def revoke_key(key_id: Annotated[str, typer.Argument(help="Identifiant de la clé (key_...).")]) -> None:
    """Révoquer une clé d'API."""
    from . import store
    from .db import transaction

    with friendly_errors():
        with transaction(open_store()) as session:
            store.revoke_key(session, key_id)
        out.print(f"Clé {key_id} révoquée.")


@admin.command("expire")
def expire_leads() -> None:
    """Faire expirer les mises en relation restées sans réponse (AFN_LEAD_EXPIRY_DAYS jours)."""
    from . import store
    from .db import transaction
    from .models import utcnow

    with friendly_errors():
        with transaction(open_store()) as session:
            n = store.expire_due(session, utcnow(), get_settings().lead_expiry_days)
        out.print(f"{n} mise(s) en relation expirée(s).")


# --- afn-match import (issue 6): annuaires publics → base ou catalogue JSONL -----------------
@app.command(name="import")
def import_cmd(
    fichiers: Annotated[list[Path], typer.Argument(help="Fichiers à importer : JSON, CSV, GeoJSON (et, en mode "
                                                   "auto, le fichier de machines fablabs.io ou le dictionnaire BFC).",
                                                   show_default=False)],
    format_: Annotated[str, typer.Option("--format", help="auto (détecté), fablabs-json, fablabs-csv, geojson, "
                                         "bfc-csv ou csv (CSV ou JSON générique, voir --mapping).")] = "auto",
    machines: Annotated[list[Path] | None, typer.Option("--machines", help="Fichier CSV des machines fablabs.io "
                                                        "(joint sur le slug ou le nom du lab).")] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="Écrire un catalogue JSONL (pour AFN_CATALOGUE) "
                                                  "au lieu de la base de données.")] = None,
    mapping: Annotated[str | None, typer.Option("--mapping", help="Colonnes d'un CSV générique : fichier TOML "
                                                "(ou YAML) ou « name=Nom,commune=Ville,lat=Lat,lon=Lon ».")] = None,
    date: Annotated[str | None, typer.Option("--date", help="Date des sources (AAAA, AAAA-MM ou AAAA-MM-JJ) ; "
                                             "sinon l'année du nom du fichier, sinon sa date de modification.")] = None,
    encodage: Annotated[str, typer.Option("--encodage", help="Encodage des fichiers (utf-8 par défaut).")] = "utf-8",
    rapport: Annotated[Path | None, typer.Option("--rapport", help="Fichier JSON du rapport (défaut : à côté de "
                                                 "--out, ou rapport-import-<date>.json).")] = None,
    index: Annotated[bool | None, typer.Option("--index/--sans-index", help="Reconstruire l'index des ateliers "
                                               "après l'import (défaut : oui pour la base, non pour --out).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Écrire le rapport JSON sur la sortie standard.")] = False,
) -> None:
    """Importer des annuaires d'ateliers (fablabs.io, cartes GeoJSON, inventaires régionaux, CSV) :
    fusionnés, nettoyés des données personnelles, dans la base (défaut) ou un catalogue JSONL."""
    from .errors import ModelUnavailable
    from .importers import render, run_import
    from .importers.output import database_label, database_workshops, publish_index, save_to_database, write_jsonl
    from .models import utcnow

    with friendly_errors():
        s = get_settings()
        result = run_import(fichiers, format_, machines or [], mapping, date, encodage, settings=s)
        report = result.report
        if out_file is not None:
            write_jsonl(out_file, result.workshops)
            report.destination = f"catalogue {out_file} (à utiliser avec AFN_CATALOGUE={out_file})"
        else:
            created, updated = save_to_database(s, result)
            report.base = {"crees": created, "mis_a_jour": updated}
            report.destination = f"base {database_label(s)}"
        target = rapport or (out_file.with_suffix(".rapport.json") if out_file is not None
                             else Path(f"rapport-import-{utcnow():%Y%m%d-%H%M%S}.json"))
        report.save(target)
        if as_json:
            sys.stdout.write(report.model_dump_json() + "\n")
        else:
            render(report, out)
            out.print(f"Rapport : {target}", highlight=False)
        if index if index is not None else out_file is None:
            try:
                if out_file is not None:
                    from .catalogue import load_catalogue

                    workshops = load_catalogue(out_file).workshops
                else:
                    workshops = database_workshops(s)
                rows = publish_index(s, workshops)
                err.print(f"Index à jour : {rows} textes, {len(workshops)} ateliers.", highlight=False)
            except ModelUnavailable as exc:
                err.print(f"[yellow]Index non reconstruit[/] ({exc.message}) : il le sera au prochain démarrage.",
                          highlight=False)


@app.command()
def bench(
    as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON (pour les programmes).")] = False,
    sizes: Annotated[str, typer.Option("--sizes", help="Tailles de catalogue : 400 (fourni), 10000, 100000...")] = "400,10000",
    runs: Annotated[int, typer.Option("--runs", help="Besoins mesurés par taille, en processus (60 par défaut).")] = 60,
    http_runs: Annotated[int, typer.Option("--http-runs", help="Requêtes HTTP mesurées par taille (40 par défaut).")] = 40,
    clients: Annotated[str, typer.Option("--clients", help="Clients HTTP simultanés à essayer (1,2,4,8 par défaut).")] = "1,2,4,8",
    no_http: Annotated[bool, typer.Option("--sans-http", help="Ne pas démarrer l'API (latence en processus seulement).")] = False,
    no_assignment: Annotated[bool, typer.Option("--sans-affectation", help="Ne pas mesurer l'affectation par lot.")] = False,
    encoders: Annotated[bool, typer.Option("--encodeurs", help="Comparer aussi les encodeurs torch et ONNX, float32 et int8 (vitesse, nDCG@10 dev, mémoire).")] = False,
    build_texts: Annotated[int, typer.Option("--textes-construction", help="Textes de la comparaison construction / encodeur (600).")] = 600,
    work_dir: Annotated[Path | None, typer.Option("--dossier", help="Catalogues agrandis et leurs index (<cache>/bench par défaut).")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Dossier de BENCH.md et bench.json (eval/ par défaut).")] = None,
) -> None:
    """Banc d'essai des performances : chaque latence rapportée à l'encodage seul du besoin."""
    with friendly_errors():
        try:
            from eval import bench as b
        except ImportError:
            raise InvalidInput("le dossier eval/ du dépôt est introuvable : lancez la commande depuis le dépôt.") from None
        try:
            cfg = b.BenchConfig(sizes=b.parse_sizes(sizes), runs=max(runs, 1), http_runs=max(http_runs, 1),
                                clients=b.parse_sizes(clients), http=not no_http, assignment=not no_assignment,
                                encoders=encoders, build_texts=max(build_texts, 1), work_dir=work_dir,
                                progress=lambda m: err.print(f"[dim]… {m}[/]", highlight=False))
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        report = b.run(cfg)
        md, js = b.write(report, out_dir or b.OUT_DIR, "afn-match bench " + " ".join(sys.argv[2:]))
        if as_json:
            sys.stdout.write(json.dumps(report, ensure_ascii=False, default=float) + "\n")
        else:
            b.show(report, out)
        err.print(f"Rapport écrit : {md} et {js.name}", highlight=False)


@app.command("bench-encodeurs")
def bench_encoders(
    as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON (pour les programmes).")] = False,
    runs: Annotated[int, typer.Option("--runs", help="Mesures de latence par encodeur (300 par défaut).")] = 300,
) -> None:
    """Comparer les encodeurs torch et ONNX (float32, int8) : latence d'un besoin, nDCG@10 dev, mémoire."""
    with friendly_errors():
        try:
            from eval import bench_encoder
        except ImportError:
            raise InvalidInput("le dossier eval/ du dépôt est introuvable : lancez la commande depuis le dépôt.") from None
        bench_encoder.main([*(["--json"] if as_json else []), "--runs", str(max(runs, 1))])


EXPECTED = {"--rayon": "un nombre de kilomètres (ex. 40)", "--top": "un nombre entier (ex. 10)",
            "--port": "un numéro de port (ex. 8000)",
            "--batch": "un chemin de fichier"}


def french_usage_error(exc: cx.UsageError) -> str:
    """click's English usage errors, said in French."""
    param = getattr(exc, "param", None)
    name = getattr(exc, "param_hint", None) or ("/".join(param.opts) if param is not None and param.opts else "")
    if isinstance(exc, cx.NoSuchOption):
        hint = f" (vouliez-vous dire {', '.join(exc.possibilities)} ?)" if exc.possibilities else ""
        return f"option inconnue : {exc.option_name}{hint}. Voir « afn-match --help »."
    if isinstance(exc, cx.MissingParameter):
        return f"paramètre manquant : {name}."
    if isinstance(exc, cx.BadParameter):
        opts = set(getattr(param, "opts", None) or [])
        expected = next((v for k, v in EXPECTED.items() if k in opts), "une valeur valide")
        return f"valeur invalide pour {name or 'un paramètre'} : il faut {expected}."
    if isinstance(exc, cx.BadOptionUsage):
        return f"option mal utilisée : {exc.option_name} attend une valeur."
    unknown = re.search(r"No such command '([^']*)'", exc.format_message())
    if unknown:
        return f"commande inconnue : {unknown.group(1)}. Voir « afn-match --help »."
    return f"commande invalide ({exc.format_message()}). Voir « afn-match --help »."


def main() -> None:
    """Console entry point: usage errors are French too, with exit code 2."""
    args = sys.argv[1:] or ["--help"]
    try:
        code = app(args, standalone_mode=False)
    except cx.UsageError as exc:
        err.print(f"[bold red]Erreur :[/] {french_usage_error(exc)}", highlight=False)
        sys.exit(2)
    except (cx.ClickException, typer.Abort):
        err.print("[bold red]Erreur :[/] commande interrompue.")
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
