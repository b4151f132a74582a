"""The headline's sentences, generated from the results files so that none is typed by hand.

:func:`status` says, for each of the six corpora, whether its audio is here, how far its reproduction got
and whether it was audited; :func:`run_sentences` and :func:`interpretation` state what was run and what
it shows; :func:`readme_section` is the README's copy of the headline (``python -m ser_lib.report --readme
README.md`` rewrites it with :func:`update_readme`, ``--check`` only compares).
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .. import paper
from ..config import REPO_ROOT
from .tables import (HEADLINE_MODELS, MODEL_NAMES, MODEL_NOTES, PAGES, PROTOCOLS, ROLES, SPLIT_NAMES, Results,
                     _join, corpus_table, corpus_title, data_note, headline, load)

__all__ = ["status", "run_sentences", "interpretation", "readme_section", "update_readme"]


def status(res: Results, data_root=None, *, base: str = "", suffix: str = ".html", here: bool = True) -> pd.DataFrame:
    """The six corpora of the paper: audio found here (``here``), reproduction, audit, each with why not.

    A corpus with no run says why: no audio here, or not run yet. ``base``/``suffix`` build the links
    (HTML ``<a>`` in the cells) to the reproduction pages.
    """
    present = {}
    if here:
        from .. import corpora as C

        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name in C.available(data_root):
                try:
                    present[name] = len(C.scan(name, data_root))
                except Exception:  # noqa: BLE001 - a broken copy is "found" but unreadable
                    present[name] = 0
    h_audit = res.audit
    pages = REPO_ROOT / "book" / "reproductions"
    rows = []
    for corpus in paper.FIGURES:
        title = corpus_title(corpus)
        rec = res.reproduce.get(corpus)
        sources = [ext for ext in (".ipynb", ".md") if (pages / f"{corpus}{ext}").exists()]
        has_page = bool(sources)
        ext = suffix if suffix == ".html" or not sources else sources[0]
        page = f"{base}{PAGES['reproduce'].format(corpus=corpus)}{ext}"
        if rec is not None:
            rep = (f'<a href="{page}">{int(rec.get("epochs_run") or 0)} of {int(rec.get("epochs_paper") or paper.EPOCHS)} '
                   f'epochs</a> ({rec.get("data", {}).get("n_files")} files)')
        elif (here and corpus not in present) or (not here and has_page):
            rep = ("not run: no audio here" if here else "not run") + (f' (<a href="{page}">why</a>)' if has_page else "")
        else:
            rep = "not run yet" if here else "no results yet"
        a = h_audit[h_audit["corpus"] == corpus] if not h_audit.empty else h_audit
        if len(a):
            d = res.audit_data.get(corpus, {})
            per_model = a[a["augment"]].groupby("model")["protocol"].nunique()
            aud = (f"{a['protocol'].nunique()} splits, {int((per_model == a['protocol'].nunique()).sum())} models, "
                   f"{a['seed'].nunique()} seeds ({d.get('n_recordings')} files, {len(d.get('labels') or [])} emotions)")
        else:
            aud = ("not run: no audio here" if corpus not in present else "not run yet") if here else "no results yet"
        row = {"corpus": title}
        if here:
            row["audio here"] = f"yes, {present[corpus]} files" if corpus in present else "no"
        row.update({"paper's split, paper's network": rep, "audit (3 splits)": aud})
        rows.append(row)
    return pd.DataFrame(rows).set_index("corpus")


def run_sentences(res: Results, data_root=None, *, here: bool = True) -> list[str]:
    """The sentences that say what was run, generated from the results files (and, with ``here``, from
    the corpora found under the data root)."""
    out = []
    if here:
        from .. import corpora as C

        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = C.available(data_root)
        missing = [corpus_title(c) for c in paper.FIGURES if c not in found]
        out.append(f"Audio of {len(found)} of the paper's {len(paper.FIGURES)} corpora was found on the machine that "
                   f"built this page" + (f" ({_join([corpus_title(c) for c in found])})" if found else "")
                   + (f"; not found: {_join(missing)}." if missing else "."))
        if not found and not res.empty:
            out.append("**Nothing on this page was computed on this machine**: every number below is read from the "
                       "results files committed with the book, written by runs on the machines named in them.")
    if res.empty:
        out.append("No results file was found, so this page shows no real result: run `make reproduce` and "
                   "`make audit` (see the README).")
        return out
    if res.reproduce:
        runs = [f"{corpus_title(c)} {int(r.get('epochs_run') or 0)}" for c, r in
                sorted(res.reproduce.items(), key=lambda kv: list(paper.FIGURES).index(kv[0]) if kv[0] in paper.FIGURES else 99)]
        n_par = {(r.get("params", {}).get("params_keras") or {}).get("total") for r in res.reproduce.values()} - {None}
        par = f" ({_join([f'{n:,}' for n in sorted(n_par)])} parameters)" if n_par else ""
        out.append(f"The paper's split was run with the paper's network{par}, our replica of the released code, for "
                   f"{_join(runs)} of the paper's {paper.EPOCHS} epochs.")
    if not res.audit.empty:
        corpora = [c for c in paper.FIGURES if c in set(res.audit["corpus"])]
        desc = [f"{corpus_title(c)} ({res.audit_data[c].get('n_recordings')} recordings, "
                f"{len(res.audit_data[c].get('labels') or [])} emotions)" for c in corpora]
        eps = sorted(set(res.audit_epochs.values()))
        npar = sorted({p for p in res.audit_params.values() if p})
        npar = [npar[0], npar[-1]] if len(npar) > 1 else npar
        seeds = sorted(set(res.audit["seed"].dropna().astype(int)))
        out.append("The audit's numbers come from a different, much smaller model, the efficient attention CNN"
                   + (f" ({'–'.join(f'{p:,}' for p in npar)} parameters" if npar else " (")
                   + (f", {_join([str(e) for e in eps])} epochs)" if eps else ")")
                   + f", and from classical baselines, each on the three splits with {len(seeds)} seed"
                   + ("s" if len(seeds) != 1 else "") + f", on {_join(desc)}.")
    if res.faithful:
        runs: dict[str, set] = {}  # corpus -> {(epochs, protocol)}
        for r in res.faithful:
            runs.setdefault(r["params"]["corpus"], set()).add(
                (int(r["params"].get("epochs") or 0), r["params"]["protocol"]))
        groups: dict[tuple, list[str]] = {}  # same epochs and splits -> the corpora, in the paper's order
        for c in sorted(runs, key=lambda c: (list(paper.FIGURES).index(c) if c in paper.FIGURES else 99, c)):
            groups.setdefault(tuple(sorted(runs[c], key=lambda ep: (ep[0], PROTOCOLS.index(ep[1])
                                                                   if ep[1] in PROTOCOLS else 9))), []).append(c)
        clauses = []
        for key, cs in groups.items():
            by_epochs: dict[int, list[str]] = {}
            for e, p in key:
                by_epochs.setdefault(e, []).append(f"with {SPLIT_NAMES.get(p, p)}")
            clauses.append(_join([f"for {e} epochs " + " and ".join(ps) for e, ps in by_epochs.items()])
                           + " on " + _join([corpus_title(c) for c in cs]))
        out.append("The paper's network was also trained " + "; ".join(clauses) + ".")
    else:
        out.append("The paper's network has not yet been trained with recordings or speakers held out: "
                   "those columns come from the audit's models only.")
    return out


def interpretation(h: pd.DataFrame, model: str | None = None) -> str:
    """One sentence on what the headline shows, from the numbers of ``model`` (default: the audit's CNN
    that the headline shows; empty without them)."""
    if model is None:
        model = next((m for m in ROLES["cnn"] if m in set(h["model"])), ROLES["cnn"][0])
    g = h[h["model"] == model].pivot_table(index="corpus", columns="protocol", values="uar")
    if not {"paper", "speaker"} <= set(g.columns) or g[["paper", "speaker"]].dropna().empty:
        return ""
    g = g[["paper", "speaker"]].dropna()
    drop = g["paper"] - g["speaker"]
    name = MODEL_NAMES.get(model, model)
    text = (f"With the same model and data ({name}), holding out speakers moves its UAR from "
            f"{g['paper'].min():.0f}–{g['paper'].max():.0f} % on the paper's split to "
            f"{g['speaker'].min():.0f}–{g['speaker'].max():.0f} %")
    if (drop > 5).all():
        text += (f" (−{drop.min():.0f} to −{drop.max():.0f} points on every corpus): the paper's split rewards "
                 "recognising recordings and voices already heard in training, not emotion in new speech.")
    else:
        text += "."
    same = []  # the paper's own network, same budget on every split: one clause per corpus
    pn = h[h["model"] == "paper_code"]
    for r in pn[pn["at_epochs"].notna()].itertuples():
        others = [o for o in pn[(pn["corpus"] == r.corpus) & (pn["protocol"] != "paper")].itertuples()
                  if o.epochs == r.at_epochs]
        if not others:
            continue
        parts = [f"{o.uar:.1f} %" + (f" (± {o.uar_std:.1f} over {int(o.n)} speaker folds)"
                                     if o.n > 1 and o.uar_std is not None and o.uar_std == o.uar_std
                                     else " (1 speaker fold)" if o.protocol == "speaker" else "")
                 + f" with {SPLIT_NAMES[o.protocol]}" for o in others]
        same.append(f"{corpus_title(r.corpus)} after {int(r.at_epochs)} epochs: {r.uar_at:.1f} % on the paper's "
                    f"split, " + " and ".join(parts))
    if same:
        text += " The paper's own network, trained equally long on each split: " + "; ".join(same) + "."
    return text


def readme_section(res: Results) -> str:
    """The README's headline block (Markdown), from the results files only (no machine-specific facts)."""
    h = headline(res)
    lines = ["<!-- headline:start: generated by `python -m ser_lib.report --readme README.md`, do not edit -->",
             "UAR in % (mean ± standard deviation over speaker folds, seeds averaged within a fold; over seeds where a "
             "split has one fold); the paper reports accuracy on its split "
             "(its claims: " + ", ".join(f"{corpus_title(c)} {v:g}" for c, v in paper.CLAIMED_ACCURACY.items()) + ").",
             "", "| corpus | model | " + " | ".join(SPLIT_NAMES[p] for p in PROTOCOLS) + " |",
             "|---|---|" + "---|" * len(PROTOCOLS)]
    notes = []
    for corpus in dict.fromkeys(h["corpus"]):
        tab = corpus_table(h, corpus)
        for model in tab.columns:
            if (tab[model] == "–").all():
                continue  # not run on this corpus (a label variant run by the audit only)
            lines.append(f"| {corpus_title(corpus)} | {model} | " + " | ".join(tab[model]) + " |")
        note = data_note(corpus, h)
        notes += [f"{corpus_title(corpus)}, {note}"] if note else []
    lines += [""] + [f"- **{MODEL_NAMES[m]}**: {MODEL_NOTES[m]}." for m in HEADLINE_MODELS if m in set(h["model"])]
    lines += [f"- {n[0].upper()}{n[1:]}" for n in notes]
    lines.append("")
    text = interpretation(h)
    lines += ([text, ""] if text else []) + [" ".join(run_sentences(res, here=False)), ""]
    st = status(res, here=False, base="book/", suffix=".ipynb")
    md = lambda t: re.sub(r'<a href="([^"]+)">([^<]+)</a>', r"[\2](\1)", t)  # noqa: E731
    lines.append("Status of the six corpora: " + "; ".join(
        f"{c}: reproduction {md(r.iloc[0])}, audit {r.iloc[1]}" for c, r in st.iterrows()) + ".")
    lines.append("<!-- headline:end -->")
    return "\n".join(lines)


def update_readme(path: str | Path, res: Results | None = None, *, check: bool = False) -> bool:
    """Replace the block between the ``headline:start`` and ``headline:end`` markers of ``path`` with
    :func:`readme_section`. Returns whether the file was (``check``: would be) changed."""
    path = Path(path)
    text = path.read_text()
    new_block = readme_section(res if res is not None else load())
    pattern = re.compile(r"<!-- headline:start.*?<!-- headline:end -->", re.S)
    if not pattern.search(text):
        raise ValueError(f"{path}: no <!-- headline:start ... headline:end --> block")
    new = pattern.sub(lambda _: new_block, text, count=1)
    if new != text and not check:
        path.write_text(new)
    return new != text
