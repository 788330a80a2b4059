"""One exception type for every user-facing failure, so the CLI can print one line and exit."""


class TileFabricError(Exception):
    """A problem with the user's input (model, IR, target, options): shown as one line."""

    def __init__(self, message: str, where: str | None = None):
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)
