"""Provider templates: ``costcalc template FILE_TYPE --output F.xlsx`` writes the
workbook a provider fills in for a file type (docs/templates.md).

- :mod:`costcalc.templates.columns`: each column's guidance, cell format and data validation;
- :mod:`costcalc.templates.instructions`: the Instructions sheet's text;
- :mod:`costcalc.templates.workbook`: the workbook itself.

The schema (``schemas/*.yaml``) says everything: the headers are the ones the
loader asks for, so a template filled in with valid rows loads with no rejection.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from costcalc.safefs import UnsafePath, write_atomic_path
from costcalc.schemas import FileType, load_date_limits, load_file_types, load_frequencies, load_schemas
from costcalc.templates.workbook import build, to_bytes


class TemplateError(ValueError):
    """A template that cannot be written: an unknown file type, or an output refused."""


def _key(text: str) -> str:
    """File types are named as the watched folder names them: in any case, with spaces or
    hyphens for underscores, by name or display name (docs/watch.md)."""
    from costcalc.watch.names import folder_key

    return folder_key(text)


def resolve_file_type(name: str) -> FileType:
    """The file type called ``name`` (seeds/file_types.csv), or :class:`TemplateError`
    listing the known ones."""
    types = load_file_types()
    if name in types:
        return types[name]
    key = _key(name)
    for ft in types.values():
        if key and key in (_key(ft.file_type), _key(ft.display_name)):
            return ft
    raise TemplateError(f"unknown file type {name!r}; known file types: {', '.join(types)} "
                        "(seeds/file_types.csv; `costcalc schema list` shows them with their schemas)")


def template_bytes(file_type: FileType) -> bytes:
    """The template of ``file_type`` as .xlsx bytes."""
    schemas = load_schemas()
    if file_type.schema_code not in schemas:
        raise TemplateError(f"file type {file_type.file_type} names schema {file_type.schema_code}, which "
                            f"schemas/ does not have (known: {', '.join(schemas)})")
    return to_bytes(build(schemas[file_type.schema_code], file_type, load_frequencies(), load_date_limits()))


def check_output(path: Path, force: bool = False) -> None:
    """Refuse an output that is not an .xlsx name, is a link (never written through), is
    not a regular file, or exists (unless ``force``)."""
    if path.suffix.lower() != ".xlsx":
        raise TemplateError(f"{path.name}: a template is an Excel workbook; give a name ending .xlsx")
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if os.path.islink(path):
        raise TemplateError(f"{path.name} is a symbolic link: a template is never written through a link; "
                            "give the path of a real file")
    if not stat.S_ISREG(st.st_mode):
        raise TemplateError(f"{path.name} exists and is not a file")
    if not force:
        raise TemplateError(f"{path.name} exists already (a filled-in template?); give another name, "
                            "or --force to replace it")


def write_template(file_type: str, output: str | os.PathLike, force: bool = False) -> tuple[FileType, Path]:
    """Write the template of ``file_type`` to ``output``: as a new file under a private name
    renamed over ``output``, so a link planted at the name is replaced, never followed
    (costcalc.safefs). The file type and the path written."""
    ft = resolve_file_type(file_type)
    path = Path(output)
    check_output(path, force)
    data = template_bytes(ft)
    try:
        write_atomic_path(path, lambda fh: fh.write(data), encoding=None, mode=0o644)
    except UnsafePath as exc:
        raise TemplateError(f"{path.parent}: {exc.strerror}: a template is never written through a link") from None
    except FileNotFoundError:
        raise TemplateError(f"{path.parent}: no such folder") from None
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise TemplateError(f"{path}: cannot write here ({exc.strerror})") from None
        raise
    return ft, path
