"""The rules, one module each: ``PW1xx_*`` read one manifest, ``PW2xx_*`` ask the engine.

Modules are imported by ``podwall.lint.registry.all_rules`` on first use.
"""
