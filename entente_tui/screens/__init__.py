from .alerts import AlertsScreen
from .fixtures import FixturesScreen
from .interactions import InteractionsScreen
from .verifications import VerificationsScreen

MAIN_SCREENS = (InteractionsScreen, VerificationsScreen, FixturesScreen, AlertsScreen)

__all__ = [
    "MAIN_SCREENS",
    "AlertsScreen",
    "FixturesScreen",
    "InteractionsScreen",
    "VerificationsScreen",
]
