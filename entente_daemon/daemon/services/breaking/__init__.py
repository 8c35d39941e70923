"""Live breaking-change alerts: a watched provider spec saved → diffed against its baseline
and the previous save → consumer impact → ``spec.breaking_change`` (`service.BreakingService`)."""

from entente_daemon.daemon.services.breaking.service import BreakingService
from entente_daemon.daemon.services.spec_loaded import SpecLoaded

__all__ = ["BreakingService", "SpecLoaded"]
