"""The package's own exception and warning types: every bad input ends in one of these.

Each message names the file, folder, URL or argument at fault and says what to do. All errors
derive from :class:`SERError`, itself a ``ValueError`` (so code that caught ``ValueError`` before
still does); some also derive from the built-in type the old code raised, so that existing
``except TypeError`` / ``except RuntimeError`` / ``except FileNotFoundError`` keep working:

============================  ==============================================================
:class:`SERError`             base class (``ValueError``)
:class:`ArgumentError`        a bad argument of a public function (also a ``TypeError``)
:class:`AudioError`           an audio file that cannot be used (names the file)
:class:`AudioArgumentError`   a bad ``sr`` / ``offset`` / ``duration`` of a loader (both of the above)
:class:`FeatureError`         feature extraction failed or gave non-finite values (also ``RuntimeError``)
:class:`CorpusError`          a corpus folder or the data root is wrong
:class:`CorpusNotFoundError`  a corpus is absent (also ``FileNotFoundError``)
:class:`DownloadError`        a download failed, was incomplete, or an archive is unusable (also ``RuntimeError``)
:class:`UnsafeArchiveError`   an archive member would escape its folder, or the archive is a bomb
:class:`TrainingDataError`    arrays or settings given to a trainer cannot train a model
:class:`TruncatedAudioWarning`  a file whose header promises more audio than it holds (loaded anyway)
:class:`DataRootWarning`      ``$SER_DATA_ROOT`` (or ``root=``) is missing or not a folder
============================  ==============================================================

This module imports nothing from ``ser_lib``: every module may import it.
"""
from __future__ import annotations

__all__ = ["SERError", "ArgumentError", "AudioError", "AudioArgumentError", "FeatureError", "CorpusError", "CorpusNotFoundError",
           "DownloadError", "UnsafeArchiveError", "TrainingDataError", "SERWarning", "TruncatedAudioWarning",
           "DataRootWarning", "check_number"]


class SERError(ValueError):
    """Base class of every error raised by ``ser_lib`` on bad input."""


class ArgumentError(SERError, TypeError):
    """A public function got an argument it cannot use; the message names the argument and the range."""


class AudioError(SERError):
    """An audio file could not be used; the message names the file and the fix."""


class AudioArgumentError(AudioError, ArgumentError):
    """A bad argument of an audio loader (``sr``, ``offset``, ``duration``): both an
    :class:`AudioError` and an :class:`ArgumentError`."""


class FeatureError(SERError, RuntimeError):
    """Feature extraction failed for one file (the message names it), or gave non-finite values."""


class CorpusError(SERError):
    """A corpus folder or the data root is not what it should be; the message names the folder."""


class CorpusNotFoundError(CorpusError, FileNotFoundError):
    """The corpus is not under the data root; the message says how to get it."""


class DownloadError(SERError, RuntimeError):
    """A download failed or came back incomplete, or a downloaded archive cannot be used;
    the message names the URL and the cached file."""


class UnsafeArchiveError(DownloadError):
    """An archive member would be written outside the target folder (absolute path, '..', link),
    or the archive would unpack to more bytes or members than allowed (a zip bomb)."""


class TrainingDataError(SERError):
    """Arrays or settings given to a trainer cannot train a model (NaN, labels out of range, ...)."""


class SERWarning(UserWarning):
    """Base class of the package's warnings."""


class TruncatedAudioWarning(SERWarning):
    """An audio file holds less audio than its header declares (a truncated copy); it was loaded
    as far as it goes."""


class DataRootWarning(SERWarning):
    """The data root (``$SER_DATA_ROOT`` or ``root=``) does not exist or is not a folder."""


def check_number(value, name: str, *, low: float | None = None, high: float | None = None,
                 low_open: bool = False, high_open: bool = False, integer: bool = False,
                 allow_inf: bool = False, hint: str = "", error: type = ArgumentError) -> float:
    """Validate a real number argument and return it as ``float`` (``int`` with ``integer=True``).

    Rejects booleans, strings, arrays, NaN and infinities (unless ``allow_inf`` and inside the
    bounds); ``low`` / ``high`` are inclusive unless ``low_open`` / ``high_open``. Raises
    ``error`` (default :class:`ArgumentError`) naming ``name``, the value and the allowed range (plus ``hint``).

    >>> check_number(2, "n_steps", low=-24, high=24)
    2.0
    """
    import math
    import numbers

    rng = (f"{'(' if low_open else '['}{'-inf' if low is None else f'{low:g}'}, "
           f"{'inf' if high is None else f'{high:g}'}{')' if high_open else ']'}")
    msg = (f"{name} must be a {'whole ' if integer else ('' if allow_inf else 'finite ')}number in {rng}"
           f"{'; ' + hint if hint else ''}, got {value!r}")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise error(msg)
    x = float(value)
    bad = (math.isnan(x) or (math.isinf(x) and not allow_inf)
           or (low is not None and (x < low or (low_open and x == low)))
           or (high is not None and (x > high or (high_open and x == high))))
    if bad:
        raise error(msg)
    if integer:
        if not math.isfinite(x) or x != int(x):
            raise error(msg)
        return int(x)
    return x
