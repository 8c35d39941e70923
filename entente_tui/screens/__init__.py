from .alerts import AlertsScreen
from .deploy import DeployScreen
from .fixtures import FixturesScreen
from .interactions import InteractionsScreen
from .verifications import VerificationsScreen

MAIN_SCREENS = (
    InteractionsScreen,
    VerificationsScreen,
    FixturesScreen,
    AlertsScreen,
    DeployScreen,
)

__all__ = [
    "MAIN_SCREENS",
    "AlertsScreen",
    "DeployScreen",
    "FixturesScreen",
    "InteractionsScreen",
    "VerificationsScreen",
]
