from .alerts import AlertsScreen
from .deploy import DeployScreen
from .fixtures import FixturesScreen
from .interactions import InteractionsScreen
from .sync import SyncScreen
from .verifications import VerificationsScreen

MAIN_SCREENS = (
    InteractionsScreen,
    VerificationsScreen,
    FixturesScreen,
    AlertsScreen,
    DeployScreen,
    SyncScreen,
)

__all__ = [
    "MAIN_SCREENS",
    "AlertsScreen",
    "DeployScreen",
    "FixturesScreen",
    "InteractionsScreen",
    "SyncScreen",
    "VerificationsScreen",
]
