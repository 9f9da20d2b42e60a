"""``python -m geo publish -o DIR``: the public view as static files (see geo.publish)."""
from __future__ import annotations

import argparse

from geo.cli import CliError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "publish", help="write the public view (map, partner directory, coverage by state) "
        "as static files",
        description="Write what the public sees as static files any web server can host "
        "with no app process: index.html, map.html (embeddable), partners and coverage by "
        "state as CSV and JSON, and the Leaflet files. Partners without public-listing "
        "consent are never named.",
    )
    parser.add_argument("-o", "--output", required=True, metavar="DIR",
                        help="folder to write (replaced if written by an earlier publish)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from geo.assets import MissingAssetsError
    from geo.cli.data import _store
    from geo.publish import publish

    with _store() as store:
        frames = store.frames()
    try:
        counts = publish(frames, args.output)
    except (FileExistsError, MissingAssetsError) as exc:
        raise CliError(f"nothing was published: {exc}") from None
    print(f"published the public view to {args.output}: {counts['partners_listed']:,} "
          f"directory lines, {counts['sites']:,} sites, {counts['states']:,} states with "
          "activity; open index.html, embed map.html")
    return 0
