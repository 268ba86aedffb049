"""The one exception the package raises when chaos fails."""


class ChaosError(Exception):
    """chaos could not be found, did not start, or failed.

    Attributes: command (the argv run, or None), returncode (None when the
    process did not exit or was never started), stderr (its standard error,
    possibly empty).
    """

    def __init__(self, message, command=None, returncode=None, stderr=""):
        self.command = command
        self.returncode = returncode
        self.stderr = stderr or ""
        parts = [message]
        if command:
            parts.append("command: " + " ".join(command))
        if returncode is not None:
            parts.append(f"exit status: {returncode}")
        if self.stderr.strip():
            parts.append("stderr:\n" + self.stderr.rstrip())
        super().__init__("\n".join(parts))
