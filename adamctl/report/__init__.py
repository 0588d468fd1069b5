"""Reading results back: tables (pandas), their rendering, and plots."""

__all__: list[str] = []
