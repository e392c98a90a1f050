"""The webhook part of one app: its routes, its events in the spec, and the delivery worker
started and stopped with the app's lifespan."""

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from service.config import Settings
from service.db.session import Database
from service.webhooks.routes import document, router
from service.webhooks.service import Webhooks
from service.webhooks.signing import SecretBox, service_key
from service.webhooks.worker import Worker


class Runtime:
    """The webhook part of one app: its use cases' context and its worker, if it runs one."""

    def __init__(self, app: FastAPI, settings: Settings, db: Database) -> None:
        box = SecretBox(lambda: service_key(settings))
        app.state.webhooks = Webhooks(db, box, settings.webhook_allow_private_addresses)
        self.worker = Worker(db, settings) if settings.webhook_worker else None
        app.state.webhook_worker = self.worker
        self.grace = settings.shutdown_grace_seconds / 4
        app.include_router(router)
        document(app)

    def start(self) -> None:
        if self.worker is not None:
            self.worker.start()

    async def stop(self) -> None:
        """Let deliveries in flight finish within a quarter of the grace period (the requests
        had half), handing back the rest."""
        if self.worker is not None:
            await run_in_threadpool(self.worker.stop, self.grace)
