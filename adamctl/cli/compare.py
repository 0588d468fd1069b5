"""``adamctl compare PATH...``: arms over seeds, with intervals, paired deltas and ties."""

from __future__ import annotations

import json
from pathlib import Path

import click

from adamctl.cli.options import KeyValue

__all__ = ["command"]


@click.command("compare")
@click.argument("paths", metavar="PATH...", nargs=-1, required=True,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--metric", help="Metric to compare (default: the sweep's sweep.metric, else "
              "val_loss).")
@click.option("--mode", type=click.Choice(["min", "max"]),
              help="Which way is better (default: max for accuracy-like names, else min).")
@click.option("--value", type=click.Choice(["final", "best"]), default="final",
              show_default=True, help="Each seed's final value of the metric, or its best.")
@click.option("--baseline", "baseline", multiple=True, type=KeyValue("optimizer.epsilon=1e-7"),
              metavar="KEY=VALUE", help="The arm deltas are taken against (default: the best "
              "arm). Repeat for each swept key; with several paths the key source=NAME "
              "names a directory.")
@click.option("--target", type=float, help="A value of the metric: add each arm's median "
              "steps to reach it; across sweeps of different workloads, performance profiles.")
@click.option("--format", "fmt", type=click.Choice(["table", "markdown", "csv", "json"]),
              default="table", show_default=True, help="Output format.")
@click.option("--plots", "plots_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Also write the figures (sensitivity, heatmap, curves, tuning curve, "
              "profiles) as PNGs into this directory.")
def command(paths: tuple[Path, ...], metric: str | None, mode: str | None, value: str,
            baseline: tuple[str, ...], target: float | None, fmt: str,
            plots_dir: Path | None) -> None:
    """Compare the settings of a sweep (or several runs and sweeps) over their seeds.

    Each grid point of a sweep is an arm; with several paths, each run and
    each point of each sweep is one. Seeds shared by two arms are paired.
    The table gives per arm the seeds (and lost ones), mean and 95%
    bootstrap CI, delta to the baseline with its CI, P(better), the
    Holm-adjusted p-value and a mark on the arms tied with the best.

    \b
    Example:
      adamctl compare runs/quickstart-sweep-20260101-120000
      adamctl compare runs/quickstart-sweep-20260101-120000 --format json \\
        --baseline optimizer.epsilon=1e-8 --target 0.7 --metric val_accuracy
    """
    from adamctl.compare import compare_paths, write_plots

    points = dict(item.split("=", 1) for item in baseline) or None
    compared = compare_paths(paths, metric=metric, mode=mode, value=value, baseline=points,
                             target=target)
    if plots_dir is not None:
        for path in write_plots(compared, plots_dir):
            click.echo(f"wrote {path}", err=True)
    if fmt == "json":
        click.echo(json.dumps(compared.to_json(), indent=2, allow_nan=False))
    else:
        _render(compared, fmt)


def _render(compared, fmt: str) -> None:
    """The table in ``fmt``, then (table and markdown) the lines that go under it."""
    from adamctl.report import render_text, rich_table
    from adamctl.report.comparison_table import comparison_footer, comparison_table, profile_table

    result = compared.comparison
    if result is None:
        first = next(iter(compared.workloads.values()))
        table, footer = profile_table(compared.times, compared.profile, metric=first.metric), []
    else:
        table, footer = comparison_table(result), comparison_footer(result)
    if fmt == "csv":
        frame = result.to_frame() if result is not None else table.frame
        click.echo(frame.to_csv(index=False), nl=False)
    elif fmt == "markdown":
        click.echo(render_text(table, "markdown") + "".join(f"\n{line}\n" for line in footer),
                   nl=False)
    else:
        from adamctl.cli.render import stdout_console

        console = stdout_console()
        console.print(rich_table(table))
        for line in footer:
            console.print(line, highlight=False, markup=False)
