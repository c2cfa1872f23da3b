"""What a server offers (extensions, settings) and what the login may do, each with the fix when missing."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Capability(BaseModel):
    name: str
    available: bool | None = Field(description="None when it could not be determined")
    detail: str = ""
    fix: str | None = Field(default=None, description="how to turn it on, when it is missing")


class LoginReport(BaseModel):
    user: str
    superuser: bool = False
    can_write: bool | None = None
    write_privileges: list[str] = Field(default_factory=list, description="examples of what the login may change")
    warnings: list[str] = Field(default_factory=list)
    read_only_role_sql: str | None = Field(default=None, description="SQL a DBA can run to create a read-only role")


class ServerReport(BaseModel):
    engine: str
    target: str
    version: str
    capabilities: list[Capability] = Field(default_factory=list)
    login: LoginReport | None = None

    def capability(self, name: str) -> Capability | None:
        return next((c for c in self.capabilities if c.name == name), None)
