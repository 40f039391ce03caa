"""Chinese personal names (姓名) for synthetic people: surname shares and given-name characters.

Surnames
    The list is the top 100 of the 2020 national name report (《二〇二〇年全国姓名报告》,
    Ministry of Public Security household-administration research centre, published February 2021,
    ranked by registered population), plus a few rarer and compound surnames. Shares are
    percentages of the population and are **approximate**:

    * ranks 1-20: the 2010 census counts (第六次全国人口普查, NBS population and employment
      department, released 2014; e.g. 王 94.68 M = 7.10 %, 李 6.96 %, 张 6.42 %). They add up to
      52.25 %; the 2020 report has the same twenty, in a slightly different order;
    * ranks 21-100: not published as shares. They are interpolated on a power law from 林 (0.96 %,
      rank 20) down to 0.19 % at rank 100, which matches the report's one count in that range
      (万, 2.75 M ≈ 0.2 %, 2019 report). The hundred then hold ≈ 83 % of the population, against
      84.77 % (2007 ranking) and 85.9 % (2019 report); treat each share beyond rank 20 as [U];
    * 汤 and 欧 (ranks 101-102 in 2019; 欧 2.61 M) and the compound surnames with the 2020 report's
      counts (欧阳 1.112 M, 上官 88 k, 皇甫 64 k, 令狐 55 k, 诸葛 48 k, 司徒 47 k, 司马 23 k) over a
      1.41 billion population.

    The ≈ 17 % held by the thousands of rarer surnames is not modelled: shares are renormalised over
    this table when drawing. Minority naming customs (Tibetan, Uyghur, …) are not modelled either.

Given names
    One or two characters; a quarter are single-character (an assumption: single-character names
    were common for people born in the 1970s-90s and have become rarer since). Characters come from
    three hand-compiled pools (male-leaning, female-leaning, neutral) of characters common in the
    most frequent full names (张伟, 王芳, 李秀英, 李娜, 张敏, 李静, 王磊, 刘洋, …).
    The pools are ordered by rough frequency and weighted 1/(position + 4): an assumption, not a
    published table. A man's character is male-leaning with probability 0.7 and neutral otherwise;
    a woman's likewise with the female-leaning pool.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

SURNAME_SHARES: tuple[tuple[str, float], ...] = (
    # ranks 1-20: 2010 census shares (%), in census order
    ("王", 7.10), ("李", 6.96), ("张", 6.42), ("刘", 5.16), ("陈", 4.26),
    ("杨", 2.97), ("黄", 2.16), ("赵", 2.03), ("周", 1.88), ("吴", 1.78),
    ("徐", 1.43), ("孙", 1.39), ("马", 1.34), ("胡", 1.16), ("朱", 1.14),
    ("郭", 1.09), ("何", 1.05), ("罗", 1.00), ("高", 0.97), ("林", 0.96),
    # ranks 21-100: 2020 report order, shares interpolated (approximate)
    ("郑", 0.91), ("梁", 0.87), ("谢", 0.83), ("宋", 0.80), ("唐", 0.77),
    ("许", 0.74), ("韩", 0.71), ("邓", 0.68), ("冯", 0.66), ("曹", 0.64),
    ("彭", 0.62), ("曾", 0.60), ("肖", 0.58), ("田", 0.56), ("董", 0.55),
    ("潘", 0.53), ("袁", 0.52), ("蔡", 0.50), ("蒋", 0.49), ("余", 0.48),
    ("于", 0.47), ("杜", 0.45), ("叶", 0.44), ("程", 0.43), ("魏", 0.42),
    ("苏", 0.42), ("吕", 0.41), ("丁", 0.40), ("任", 0.39), ("卢", 0.38),
    ("姚", 0.37), ("沈", 0.37), ("钟", 0.36), ("姜", 0.35), ("崔", 0.35),
    ("谭", 0.34), ("陆", 0.33), ("范", 0.33), ("汪", 0.32), ("廖", 0.32),
    ("石", 0.31), ("金", 0.31), ("韦", 0.30), ("贾", 0.30), ("夏", 0.29),
    ("付", 0.29), ("方", 0.28), ("邹", 0.28), ("熊", 0.28), ("白", 0.27),
    ("孟", 0.27), ("秦", 0.26), ("邱", 0.26), ("侯", 0.26), ("江", 0.25),
    ("尹", 0.25), ("薛", 0.25), ("闫", 0.24), ("段", 0.24), ("雷", 0.24),
    ("龙", 0.23), ("黎", 0.23), ("史", 0.23), ("陶", 0.23), ("贺", 0.22),
    ("毛", 0.22), ("郝", 0.22), ("顾", 0.22), ("龚", 0.21), ("邵", 0.21),
    ("万", 0.21), ("覃", 0.21), ("武", 0.20), ("钱", 0.20), ("戴", 0.20),
    ("严", 0.20), ("莫", 0.20), ("孔", 0.19), ("向", 0.19), ("常", 0.19),
    # beyond the hundred: 2019/2020 report counts over 1.41 billion
    ("汤", 0.19), ("欧", 0.185),
    ("欧阳", 0.079), ("上官", 0.0062), ("皇甫", 0.0045), ("令狐", 0.0039),
    ("诸葛", 0.0034), ("司徒", 0.0033), ("司马", 0.0016),
)  # fmt: skip

MALE_CHARACTERS = (
    "伟强磊军勇杰涛超明刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭龙峰建国志海东亮成兵"
    "晨轩博睿航泽阳宏毅武彬锋豪翔鸿振庆德福贵林文新"
)
FEMALE_CHARACTERS = (
    "芳娜敏静丽艳娟霞秀英兰玲燕萍红梅琳莉婷雪慧颖倩洁琴云莹丹欣怡涵萱蕾妍佳"
    "悦瑶诗婉媛桂凤珍琪薇露月彤菲晶"
)
NEUTRAL_CHARACTERS = "晓子一思嘉天春金玉小家安雨若梓诺可乐心清逸书语铭宁"

SINGLE_CHARACTER_SHARE = 0.25
"""Share of given names with one character (assumption, see the module docstring)."""

GENDERED_POOL_SHARE = 0.7
"""Probability that a character comes from the gender-leaning pool rather than the neutral one."""


def surname_probabilities() -> npt.NDArray[np.float64]:
    """Drawing probabilities of :data:`SURNAME_SHARES`, renormalised to sum to one."""
    shares = np.array([share for _, share in SURNAME_SHARES], dtype=np.float64)
    probabilities: npt.NDArray[np.float64] = shares / shares.sum()
    return probabilities


def character_pool(gendered: str) -> tuple[list[str], npt.NDArray[np.float64]]:
    """Characters and probabilities for one gender: its leaning pool mixed with the neutral pool."""
    characters = list(gendered) + list(NEUTRAL_CHARACTERS)
    lean = 1.0 / (np.arange(len(gendered)) + 4.0)
    neutral = 1.0 / (np.arange(len(NEUTRAL_CHARACTERS)) + 4.0)
    weights = np.concatenate(
        [
            GENDERED_POOL_SHARE * lean / lean.sum(),
            (1.0 - GENDERED_POOL_SHARE) * neutral / neutral.sum(),
        ]
    )
    return characters, weights / weights.sum()


def draw_from(
    rng: np.random.Generator, probabilities: npt.NDArray[np.float64], size: int
) -> npt.NDArray[np.intp]:
    """Indices drawn with the given probabilities (inverse CDF; faster than ``rng.choice``)."""
    cdf = np.cumsum(probabilities)
    cdf /= cdf[-1]
    indices: npt.NDArray[np.intp] = np.searchsorted(cdf, rng.random(size), side="right")
    return np.minimum(indices, len(probabilities) - 1)


def draw_names(rng: np.random.Generator, is_male: npt.NDArray[np.bool_]) -> pa.StringArray:
    """A full name (surname + one or two given-name characters) for each person."""
    n = len(is_male)
    surnames = pa.array([surname for surname, _ in SURNAME_SHARES], type=pa.string())
    family = surnames.take(pa.array(draw_from(rng, surname_probabilities(), n)))
    male_chars, male_p = character_pool(MALE_CHARACTERS)
    female_chars, female_p = character_pool(FEMALE_CHARACTERS)
    # Men's characters are indexed first, women's after them, in one dictionary.
    dictionary = pa.array([*male_chars, *female_chars, ""], type=pa.string())
    offset = np.where(is_male, 0, len(male_chars))
    first = _gendered_draw(rng, is_male, male_p, female_p) + offset
    second = _gendered_draw(rng, is_male, male_p, female_p) + offset
    single = rng.random(n) < SINGLE_CHARACTER_SHARE
    second = np.where(single, len(dictionary) - 1, second)
    joined = pc.binary_join_element_wise(
        family,
        dictionary.take(pa.array(first)),
        dictionary.take(pa.array(second)),
        "",
    )
    return joined


def _gendered_draw(
    rng: np.random.Generator,
    is_male: npt.NDArray[np.bool_],
    male_p: npt.NDArray[np.float64],
    female_p: npt.NDArray[np.float64],
) -> npt.NDArray[np.intp]:
    """One character index per person, within that person's gender pool."""
    u = rng.random(len(is_male))
    male_cdf = np.cumsum(male_p) / male_p.sum()
    female_cdf = np.cumsum(female_p) / female_p.sum()
    male_index = np.minimum(np.searchsorted(male_cdf, u, side="right"), len(male_p) - 1)
    female_index = np.minimum(np.searchsorted(female_cdf, u, side="right"), len(female_p) - 1)
    return np.where(is_male, male_index, female_index)
