"""The model card written next to every model version (MODEL_CARD.md)."""

from __future__ import annotations

from tanggap.detect.model import TerrorismModel

LICENCE_NOTE = """\
**Licence of this model: non-commercial use only (CC BY-NC-SA 4.0).** Its weights are derived from
two data sets licensed Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International
(netifier and id-hatespeech, below). The model files may be used, shared and adapted for
non-commercial purposes only, with the attribution below, and shared adaptations (including models
retrained from this one) must carry the same licence. The Tanggap code is Apache-2.0 and is not
affected; a commercial deployment needs a model trained on data it may use commercially."""

DATA_SECTION = """\
| data set | used as | licence | attribution |
|---|---|---|---|
| netifier `train.csv` (Indonesian Twitter, Kaskus, Instagram) | `radikalisme` = 1 positives, = 0 negatives; `sara` = 1 & `radikalisme` = 0 as hate-head positives | CC BY-NC-SA 4.0 (as declared by the NusaCrowd/SEACrowd loader; the repository has no licence file) | Ahmad Izzan et al., <https://github.com/ahmadizzan/netifier>, commit 725b7ebc |
| id-hatespeech `re_dataset_train.csv` (Indonesian Twitter) | every row a negative; `HS_Religion` = 1 rows as hard negatives and hate-head positives | CC BY-NC-SA 4.0 | M. O. Ibrohim and I. Budi, "Multi-label Hate Speech and Abusive Language Detection in Indonesian Twitter", ALW3 2019 (see `data/id-hatespeech/citation.bib`) |
| "How ISIS Uses Twitter" (Fifth Tribe) | weak positives: English tweets with a medium/high lexicon hit only, weight 0.2 | CC0 1.0 | Fifth Tribe, Kaggle `fifthtribe/how-isis-uses-twitter`, via github.com/nitinkash/isis-twitter |
| "How ISIS Uses Twitter", Arabic-script tweets | evaluation only (all held out, never trained on): Arabic recall | CC0 1.0 | as above |
| News Category Dataset (HuffPost headlines + standfirst), 2,035 rows: 444 about terrorism, 191 about Islam, 1,400 other | English negatives (label 0, weight 0.5) | CC BY 4.0 | Rishabh Misra, Kaggle `rmisra/news-category-dataset`, doi 10.13140/RG.2.2.20331.18729, via partial copies on GitHub (see `data/news-en/SOURCE.md`) |
| slang dictionaries (`new_kamusalay.csv`, `slangword.csv`) | normalisation | CC BY-NC-SA 4.0 (with their data sets) | as above |
| seed lexicon, lexicon review, spelling table | lexicon features, spelling folding | Apache-2.0 (project's own) | Tanggap |

Copies of all of these, with their SOURCE.md files, are in `tanggap/detect/data/` (see its
ATTRIBUTION.md); the held-out test splits that the project keeps for its own evaluation were never
used."""

CAVEATS = """\
- **Noisy labels.** netifier's `radikalisme` is keyword-topical "radical/intolerant discourse"
  (2014-2018): about a third of its positives are genuine advocacy, a third ethnic or religious
  incitement ("ganyang cina", "usir kafir"), a third discussion of or opposition to radicalism.
  F1 against it measures agreement with that labelling, not with an expert's judgement of
  terrorist propaganda. High-specificity jihadist jargon occurs in only ~1 % of its positives.
- **Source confound.** netifier's positives come only from Twitter and Kaskus (none of 2,366
  Instagram rows), and id-hatespeech is a different scrape (2018-2019). Normalisation removes
  what names a source (URLs and `URL`, mentions and `USER`, `RT`, Kaskus BBCode and smiley codes,
  escape sequences, emoji other than a few meaningful ones), and the evaluation reports the
  false-positive rate on netifier's *own* SARA-not-radical rows and per platform. Part of the
  lower false-positive rate on id-hatespeech may still be learned data-set style; the
  same-source figure is the more honest one.
- **The hate gate costs recall.** Religious or ethnic incitement that netifier calls radical is
  often held down by the hate head. That is the point of the gate, but scored by the gate alone
  (format v1) such posts fall to the bottom of the ranking and ROC AUC on `radikalisme` is lower
  than the baseline's; formats v2 and v3 keep the gate's labels and order by the rank head.
- **Pro-IS English tweets** are account-level labels: all tweets of 112 accounts, many mundane
  (news, banter). Only English tweets with a medium or high lexicon hit are used, at weight 0.2,
  so that the model learns jargon rather than "English = positive". English negatives are news
  headlines (about terrorism, about Islam, ordinary), not posts: the English false-positive rate
  on them is measured, but English posts that are neither news nor propaganda are not. The
  Arabic-script tweets are held out for an Arabic recall figure only; there are no Arabic
  negatives, so the Arabic false-positive rate is **unmeasured**. Treat non-Indonesian scores as
  a lexicon-led hint.
- **Not Telegram propaganda.** No training text comes from Telegram channels or from official
  IS media; channel-level evidence (posting patterns, media, forwarding) is not used.
- **Lexicon** terms need expert review; low-specificity terms (jihad, hijrah, khilafah, akhi)
  never count alone as lexicon evidence, and everyday words listed as variants (pengantin,
  wilayah) are demoted to low in `data/lexicon/lexicon_review.tsv`."""

INTENDED_USE = """\
- **Intended use:** ranking and pre-screening posts and channels for *human* review by trained
  moderators of a messaging platform's trust-and-safety team, in Indonesian (and Malay); a score
  is a signal with an explanation (lexicon hits), never a decision. Every automatic action must
  go through the review and four-eyes rules of Tanggap.
- **Not for:** automatic blocking, judging individuals, law-enforcement evidence, content in
  languages other than Indonesian/Malay without separate validation, or any commercial use
  (licence above)."""


def model_card(model: TerrorismModel, evaluation_table: str | None = None, notes: str = "") -> str:
    manifest = model.manifest
    training = manifest.get("training", {})
    oof = training.get("out_of_fold", {})
    operating = training.get("operating_point", {})
    examples = "\n".join(f"| {name} | {count} |" for name, count in training.get("examples", {}).items())
    hashes = "\n".join(f"| `{name}` | `{digest}` |" for name, digest in training.get("data_hashes", {}).items())
    parent = f"\nTrained from decisions on top of the base data; parent version `{manifest['parent']}`.\n" \
        if manifest.get("parent") else ""
    evaluation = (f"```\n{evaluation_table}\n```" if evaluation_table else
                  "Not evaluated yet: run `tanggap model evaluate --model " + model.version + "`.")
    return f"""# Model card: Tanggap terrorism classifier `{model.version}`

Created {manifest.get('created', '?')}. Format `{_format(model)}`; files `model.npz`
(plain arrays, loaded without pickle) and `manifest.json`.
{parent}
{LICENCE_NOTE}

## What it does

{_what_the_score_is(model)}

1. Normalisation for Indonesian social media (`tanggap.detect.normalise`): transport escapes,
   source markup, emoji, Arabic script, hashtags, reduplication, leetspeak, repeated letters,
   spelling variants of transliterated Arabic terms, slang and abbreviations.
2. Features: hashed TF-IDF character 2-5-grams and word 1-2-grams, and lexicon evidence
   (high/medium hits; low hits only beside them; categories).
3. Logistic-regression heads: *radical* (advocacy vs not) and *hate* (religious/ethnic hate
   that is not radical advocacy vs radical advocacy). Raw score
   `p_radical * (1 - p_hate) ** {model.gate_power:g}`.{_rank_step(model)}
4. Platt scaling (slope {model.calibration.slope:.4f}, offset {model.calibration.offset:.4f}),
   fitted on out-of-fold scores of the Indonesian training rows.
5. Threshold {model.threshold:.4f}: the best out-of-fold F1 on `radikalisme` with at most
   {operating.get('max_religion_fpr', 0):.2%} of religion-targeted hate speech flagged (a fifth
   of the baseline's own out-of-fold rate, {operating.get('baseline_religion_fpr_out_of_fold') or 0:.2%},
   when not configured). Out of fold: precision {oof.get('precision')}, recall
   {oof.get('recall')}, F1 {oof.get('f1')}, religion-hate FPR {oof.get('religion_hate_fpr')}.{_first_stage_step(model)}

{INTENDED_USE}

## Training data

{DATA_SECTION}

Training examples (after de-duplication; the fixed 20 % test split, seed
`{training.get('split_seed', '?')}`, held out):

| data set : label | examples |
|---|---|
{examples}

Data files (sha256 of the uncompressed content):

| file | sha256 |
|---|---|
{hashes}

## Metrics measured

On the held-out 20 % of the training data (deduplicated, stratified, never trained on), next to
the TF-IDF + logistic regression baseline trained in the same run. Intervals are 95 %: bootstrap
for precision/recall/F1/AUC, Wilson for rates.

{evaluation}

## Caveats and limits

{CAVEATS}
{notes}"""


def _format(model: TerrorismModel) -> str:
    return model.format


def _what_the_score_is(model: TerrorismModel) -> str:
    if model.rank is None:
        return (f"Scores a post from 0 to 1: the calibrated probability that it advocates terrorism or radical\n"
                f"violence (in the sense of the training labels, see the caveats), and labels it `terrorism` at\n"
                f"or above {model.threshold:.3f}, else `none`.")
    return (f"Labels a post `terrorism` or `none` by the gate below, and scores it from 0 to 1 so that every\n"
            f"post labelled `terrorism` scores at or above {model.threshold:.3f} and every other below it.\n"
            f"Within each side of that line posts are ordered by the rank head (step 3; stacked with the first\n"
            f"stage's advocacy head where the model stacks, see the cascade): the score is a\n"
            f"ranking for the review queue, **not a calibrated probability** (its Brier score and ECE are\n"
            f"in the metrics below).")


def _first_stage_step(model: TerrorismModel) -> str:
    if model.first_stage is None:
        return ""
    report = model.manifest.get("training", {}).get("first_stage", {})
    heads = "three" if model.stacked else "two"
    scaling = ("tf-idf: each distinct n-gram weighted by its idf,\n   each row at unit length"
               if model.first_stage.idf is not None else "n-gram counts over the square root of how many")
    text = (f"\n\n   **Cascade.** Steps 1-5 run only on the posts a compiled first stage passes on\n"
            f"   (`tanggap.detect.prefilter`): {heads} linear heads over hashed byte 2-5-grams, words and word\n"
            f"   pairs of the raw lower-cased text ({scaling}). Its *pass* head learnt which training texts this model\n"
            f"   scores at least half its threshold; its cutoff ({model.first_stage.cutoff:.4f}) passes on\n"
            f"   {report.get('labelled_passed_out_of_fold')} of the training texts this model labels out of\n"
            f"   fold (target {report.get('recall_target')}), and {report.get('passed_out_of_fold')} of all\n"
            f"   training texts. A post not passed on is labelled `none` and scores in the lower band, with\n"
            f"   the first stage's *rank* head (a ridge regression of this model's rank-head decision on the\n"
            f"   raw text) standing in for the rank head. The price: what the full model would label but the\n"
            f"   pass head does not pass on (about 1 in 100 out of fold) is labelled `none`. The metrics below\n"
            f"   are the cascade's.")
    if model.stacked and model.stack is not None:
        stack = model.stack
        text += (f"\n\n   **Stack.** Posts are ordered by `{stack.rank:.3f} * rank + {stack.advocacy:.3f} * advocacy"
                 f" {'-' if stack.intercept < 0 else '+'} {abs(stack.intercept):.3f}`\n"
                 f"   (decisions, not probabilities), a logistic regression on both heads' out-of-fold decisions:\n"
                 f"   *rank* is the rank head (or the first stage's stand-in for it), *advocacy* the first stage's\n"
                 f"   third head, a TF-IDF logistic regression of the label on the raw text. They read different\n"
                 f"   texts (normalised and lexicon-aware; raw) and together rank better than either.")
    return text


def _rank_step(model: TerrorismModel) -> str:
    if model.rank is None:
        return ""
    return ("\n   A third head, *rank* (advocacy vs not, Indonesian rows only, stronger regularisation),\n"
            "   orders posts: score `t + (1 - t) * p_rank` for a post the gate labels, `t * p_rank` for any\n"
            "   other, with `t` the threshold. The gate alone ranks poorly (hate speech that reads as\n"
            "   advocacy falls to the bottom beside radical posts that use its words).")
