"""Package discovery for the root-is-the-package layout; everything else is in pyproject.toml.

The repository root is the `dbsage` package (`package-dir = {"dbsage" = "."}`), which setuptools' automatic
discovery cannot express: it would find `agent`, `tools`, … as top-level names. This finds every folder under the
four top folders (packages and data-only folders such as prompts/tools/ or tools/engines/postgres/sql/) and names it
`dbsage.…`, so a new subpackage or data folder needs no listing. Which files of a folder ship is decided by the
package-data globs in pyproject.toml; a test builds the wheel and reads every data file back.
"""

from setuptools import find_namespace_packages, setup

TOP_FOLDERS = ("agent", "tools", "knowledge", "prompts")

found = find_namespace_packages(include=[pattern for top in TOP_FOLDERS for pattern in (top, f"{top}.*")],
                                exclude=["*__pycache__*"])
setup(packages=["dbsage", *(f"dbsage.{name}" for name in found)])
