"""Typed stack settings: the only code that reads the stack's configuration.

Every setting lives under the project's namespace in ``Pulumi.<stack>.yaml`` as one
structured value per section, for example::

    iam-platform:jwks:
      cacheTtlSeconds: 300

``load_stack_config()`` (settings/loader.py) reads them once and returns a validated, frozen
``StackConfig`` (settings/stack.py). Bad settings raise ``StackConfigError`` before any resource
is declared, with one line per problem naming the key as written in the stack file, the value and
the rule it breaks. Each system's section is a module of its own (settings/tvm.py, ...); the
shared base and the named value types are in settings/base.py.
"""

from components.settings.loader import StackConfigError, load_stack_config, parse_stack_settings
from components.settings.stack import StackConfig

__all__ = ["StackConfig", "StackConfigError", "load_stack_config", "parse_stack_settings"]
