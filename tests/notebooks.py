"""Executes every notebook in notebooks/ (issue 15) and checks it reproduces its committed outputs.

    python tests/notebooks.py            # check: fails on a cell error or a changed output
    python tests/notebooks.py --write    # execute and save the outputs (after editing a notebook)

Needs the survkit package, nbclient, ipykernel and matplotlib in the running Python. The
comparison covers every text output (printed text and the plain-text form of results, not the
warnings on stderr, which name a temporary file of the kernel's); images
are only required to be there, since matplotlib's PNG bytes vary with its version. The numbers
that matter are also asserted inside the notebooks, so a wrong number fails as a cell error.
"""

import argparse
import pathlib
import sys
import time

import nbclient
import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[1]


def texts(notebook):
    """Each code cell's text outputs, and whether it drew an image."""
    out = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        shown, image = [], False
        for output in cell.get("outputs", []):
            # printed text; warnings (stderr) name a temporary file of the kernel's that changes
            # from run to run, and the printed results carry the same warnings
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                shown.append(output.get("text", ""))
            data = output.get("data", {})
            if "text/plain" in data and not ({"image/png", "image/svg+xml"} & set(data)):
                shown.append(data["text/plain"])
            image |= "image/png" in data or "image/svg+xml" in data
        out.append(("".join(shown), image))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help="save the executed notebooks")
    args = parser.parse_args()
    failures = 0
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        committed = nbformat.read(path, as_version=4)
        executed = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        try:
            nbclient.NotebookClient(
                executed, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
            ).execute()
        except nbclient.exceptions.CellExecutionError as e:
            print(f"{path.name}: a cell failed:\n{e}")
            failures += 1
            continue
        took = time.perf_counter() - start
        if args.write:
            nbformat.write(executed, path)
            print(f"{path.name}: executed and saved in {took:.1f} s")
            continue
        for k, (want, got) in enumerate(zip(texts(committed), texts(executed))):
            if want != got:
                print(f"{path.name}, code cell {k + 1}: the output differs from the committed one")
                print(f"--- committed\n{want[0]}\n--- now\n{got[0]}")
                failures += 1
        print(f"{path.name}: executed in {took:.1f} s, outputs as committed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
