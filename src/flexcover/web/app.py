"""The FastAPI application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

import flexcover
from flexcover import wiring
from flexcover.cockpit import pages as cockpit_pages
from flexcover.cockpit import person_pages
from flexcover.contributions import api as contributions_api
from flexcover.contributions import pages as contributions_pages
from flexcover.contributions import platform_pages
from flexcover.coverage import api as coverage_api
from flexcover.coverage import pages as coverage_pages
from flexcover.coverage import run_pages as comparison_pages
from flexcover.injury import api as injury_api
from flexcover.injury import pages as injury_pages
from flexcover.kit.database import Database, utc_now
from flexcover.kit.logs import uvicorn_log_config
from flexcover.kit.months import china_today
from flexcover.kit.problems import Problem
from flexcover.kit.settings import Settings
from flexcover.registry import api as registry_api
from flexcover.registry import pages as registry_pages
from flexcover.registry import roster_api
from flexcover.rules import api as rules_api
from flexcover.rules.parameters import Rulebook, default_rulebook
from flexcover.web import pages
from flexcover.web.errors import install_error_handlers
from flexcover.web.guard import RequestGuard


def create_app(
    settings: Settings | None = None,
    database: Database | None = None,
    rulebook: Rulebook | None = None,
) -> FastAPI:
    """Build the app. The database must already be migrated (``flexcover db upgrade``)."""
    wiring.connect()
    settings = settings or Settings.from_env()
    app = FastAPI(
        title="flexcover",
        version=flexcover.__version__,
        description="Social insurance for flexible-employment and platform workers.",
        openapi_url="/api/v1/openapi.json",
        # The interactive consoles load their scripts from a CDN; agency intranets are closed.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.database = database or Database(settings.database_url)
    # Loaded and validated at start-up: a bad parameter file stops the app here, not mid-request.
    app.state.rulebook = rulebook or default_rulebook()
    app.state.today = china_today  # replaced in tests and simulations that live in another month
    app.state.now = utc_now  # the moment, as today is the day
    install_error_handlers(app)
    app.add_middleware(RequestGuard)
    app.mount(
        "/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static"
    )

    @app.get("/api/v1/health", tags=["system"])
    def health() -> dict[str, str]:
        return {"status": "ok", "version": flexcover.__version__}

    @app.get("/problems/{slug}", include_in_schema=False)
    def problem_type(slug: str) -> dict[str, object]:
        """What each problem ``type`` URI means, in both languages."""
        for problem in _problem_types():
            if problem.type_uri() == f"/problems/{slug}":
                return {
                    "type": problem.type_uri(),
                    "code": problem.code,
                    "status": problem.status,
                    "title": problem.title,
                }
        return {"type": f"/problems/{slug}", "title": {"en": "Unknown problem type"}}

    app.include_router(registry_api.router)
    app.include_router(roster_api.router)
    app.include_router(rules_api.router)
    app.include_router(contributions_api.router)
    app.include_router(contributions_pages.router)
    app.include_router(platform_pages.router)
    app.include_router(coverage_api.router)
    app.include_router(injury_api.router)
    app.include_router(injury_pages.router)
    app.include_router(coverage_pages.router)
    app.include_router(comparison_pages.router)
    app.include_router(cockpit_pages.router)
    app.include_router(person_pages.router)
    app.include_router(pages.router)
    app.include_router(registry_pages.router)
    return app


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for serving ``settings``: forwarded headers (X-Forwarded-For, -Proto)
    only from the configured proxies (uvicorn itself would believe any loopback peer's), and
    logs without personal data."""
    proxies = settings.trusted_proxies
    return {
        "proxy_headers": bool(proxies),
        "forwarded_allow_ips": proxies or None,
        # The access log names each request's address: resident IDs in a query are masked.
        "log_config": uvicorn_log_config(),
    }


def _problem_types() -> list[type[Problem]]:
    found: list[type[Problem]] = []
    pending: list[type[Problem]] = [Problem]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found
