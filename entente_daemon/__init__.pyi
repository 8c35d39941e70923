# The types of the names entente_daemon/__init__.py loads on first use (see its docstring).
from entente_daemon.config import ProjectConfig as ProjectConfig
from entente_daemon.config import load_project_config as load_project_config
from entente_daemon.consumer.client import EntenteClient as EntenteClient
from entente_daemon.consumer.client import create_client as create_client
from entente_daemon.consumer.mock import Mock as Mock
from entente_daemon.errors import ConfigError as ConfigError
from entente_daemon.errors import EntenteError as EntenteError
from entente_daemon.verify.provider import Provider as Provider
from entente_daemon.verify.provider import VerificationReport as VerificationReport
from entente_daemon.verify.provider import VerifyError as VerifyError
from entente_daemon.verify.provider import create_provider as create_provider

__version__: str
__all__ = [
    "__version__",
    "create_client",
    "EntenteClient",
    "Mock",
    "create_provider",
    "Provider",
    "VerificationReport",
    "VerifyError",
    "load_project_config",
    "ProjectConfig",
    "EntenteError",
    "ConfigError",
]
