"""PLACEHOLDER until the core lands: normalize_spec(mapping) -> dict."""


def normalize_spec(spec):
    return dict(spec or {})
