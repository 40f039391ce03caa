"""Synthetic people for the linkage tests and benchmark: a population register (the spine) and
source records that describe some of its people, and some outsiders, with the noise real
departmental files have.

The population comes from :func:`flexcover.synth.population.generate_population`. A source record
keeps its person's valid ID number with probability ``valid_id_share`` (its birth date and gender
then come from the number, as docs/coverage.md says); the others lost theirs (missing or
mistyped) and carry what the department typed, with these faults (assumptions, per record):

* name: one given-name character replaced by a homophone (4 %), the surname by a homophone (1 %);
* birth date: missing (5 %), day and month swapped (1.5 %), one digit mistyped (1.5 %);
* gender: missing (50 %);
* phone: missing (20 %), a new number (10 %), one digit mistyped (1 %);
* district: another district (15 %, the person moved), missing (5 %).

The population register misses 20 % of phone numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from flexcover.kit.resident_id import hash_id
from flexcover.synth.population import generate_population

ID_KEY = b"linkage-test-key"
JURISDICTION = "500000"

HOMOPHONES = (
    "伟玮炜韦", "强蔷", "磊垒蕾", "军君钧", "勇永咏泳", "杰洁捷婕", "涛韬滔", "明铭鸣茗",
    "刚钢纲", "平萍苹", "辉晖徽", "鹏朋", "华桦骅", "飞菲霏", "鑫新欣馨心", "波博柏",
    "斌彬滨", "宇雨语羽玉", "浩昊皓豪", "凯恺楷", "健建剑", "帆凡", "旭绪", "龙隆珑",
    "峰锋丰枫", "志智", "东冬", "成诚城", "兵冰", "晨辰", "轩萱宣", "睿瑞锐", "航杭",
    "阳杨扬洋", "宏红鸿虹", "毅艺怡", "翔祥", "振震", "庆青清晴", "福富", "贵桂", "文雯",
    "芳方", "娜纳", "敏珉", "静晶婧靖", "丽莉俐", "艳燕雁", "娟鹃", "霞侠", "英瑛莹",
    "兰岚蓝", "玲铃灵", "梅美", "琳林霖", "婷亭", "慧惠蕙", "颖影", "倩茜", "琴勤芹",
    "云芸", "涵寒晗", "妍言", "佳嘉家", "悦月越", "瑶遥", "诗思", "媛元圆", "珍真贞",
    "琪琦淇", "薇微", "露璐", "彤童", "晓小筱", "子紫", "一依", "安", "若", "乐",
)  # fmt: skip
SURNAME_HOMOPHONES = (
    "张章", "王汪", "李黎", "刘柳", "杨阳", "黄皇", "徐许", "吴伍", "唐汤", "肖萧",
    "余于俞", "程成", "姜江", "付傅", "闫严", "郑", "韩", "冯", "曹",
)  # fmt: skip


def _homophone_table(groups: tuple[str, ...]) -> dict[str, str]:
    table = {}
    for group in groups:
        for index, character in enumerate(group):
            if len(group) > 1:
                table[character] = group[(index + 1) % len(group)]
    return table


GIVEN_SOUND_ALIKE = _homophone_table(HOMOPHONES)
SURNAME_SOUND_ALIKE = _homophone_table(SURNAME_HOMOPHONES)


@dataclass(frozen=True)
class Noise:
    """Probabilities of each fault in a source record without a valid ID (see the docstring)."""

    given_homophone: float = 0.04
    surname_homophone: float = 0.01
    birth_missing: float = 0.05
    birth_swapped: float = 0.015
    birth_digit: float = 0.015
    gender_missing: float = 0.5
    phone_missing: float = 0.20
    phone_changed: float = 0.10
    phone_digit: float = 0.01
    district_moved: float = 0.15
    district_missing: float = 0.05
    population_phone_missing: float = 0.20


@dataclass(frozen=True)
class LinkageCase:
    """A population (left), source records (right) and, per source record, the population
    record it truly describes (``true_left`` in ``truth``; null for outsiders)."""

    left: pa.Table
    right: pa.Table
    truth: pa.Table


def linkage_case(
    *,
    people: int,
    records: int,
    seed: int = 7,
    outsider_share: float = 0.1,
    valid_id_share: float = 0.5,
    noise: Noise | None = None,
) -> LinkageCase:
    """``records`` source records: ``outsider_share`` of them describe people outside the
    ``people``-strong population; ``valid_id_share`` carry a valid ID number."""
    noise = noise or Noise()
    rng = np.random.default_rng(seed)
    outsiders = int(records * outsider_share)
    everyone = generate_population(
        jurisdiction=JURISDICTION, people=people + outsiders, seed=seed
    ).select(["name", "id_number", "gender", "birth_date", "residence_code", "phone"])
    everyone = everyone.set_column(2, "gender", pc.cast(everyone["gender"], pa.string()))
    order = rng.permutation(len(everyone))
    population, others = order[:people], order[people:]
    left = _population_records(everyone.take(pa.array(population)), noise, rng)
    insiders = rng.choice(people, size=records - outsiders, replace=False)
    described = np.concatenate([population[insiders], others])
    true_left = [f"people.parquet:{i + 1}" for i in insiders] + [None] * outsiders
    shuffle = rng.permutation(records)
    people_described = everyone.take(pa.array(described[shuffle]))
    right = _source_records(people_described, valid_id_share, noise, rng)
    truth = pa.table(
        {
            "record_id": right["record_id"],
            "true_left": pa.array([true_left[i] for i in shuffle], pa.string()),
            "id_valid": pc.is_valid(right["id_hash"]),
        }
    )
    return LinkageCase(left=left, right=right, truth=truth)


def _hashes(numbers: pa.Array) -> list[str]:
    return [hash_id(number, ID_KEY) for number in numbers.to_pylist()]


def _population_records(people: pa.Table, noise: Noise, rng: np.random.Generator) -> pa.Table:
    n = len(people)
    phone_missing = rng.random(n) < noise.population_phone_missing
    return pa.table(
        {
            "record_id": pa.array([f"people.parquet:{i + 1}" for i in range(n)]),
            "name": people["name"],
            "birth_date": people["birth_date"],
            "gender": people["gender"],
            "phone": pc.if_else(pa.array(phone_missing), None, people["phone"]),
            "district": people["residence_code"],
            "id_hash": pa.array(_hashes(people["id_number"]), pa.string()),
        }
    )


def _source_records(
    people: pa.Table, valid_id_share: float, noise: Noise, rng: np.random.Generator
) -> pa.Table:
    n = len(people)
    valid = rng.random(n) < valid_id_share
    districts = sorted(set(people["residence_code"].to_pylist()))
    names, births, genders, phones, places = [], [], [], [], []
    for i, row in enumerate(people.to_pylist()):
        draws = rng.random(12)
        names.append(_noisy_name(row["name"], draws, noise, rng))
        birth, gender = row["birth_date"], row["gender"]
        if not valid[i]:
            birth = _noisy_birth(birth, draws[2], noise, rng)
            gender = None if draws[3] < noise.gender_missing else gender
        births.append(birth)
        genders.append(gender)
        phones.append(_noisy_phone(row["phone"], draws[4], noise, rng))
        district = row["residence_code"]
        if draws[5] < noise.district_moved:
            district = districts[int(rng.integers(len(districts)))]
        elif draws[5] < noise.district_moved + noise.district_missing:
            district = None
        places.append(district)
    hashes = _hashes(people["id_number"])
    return pa.table(
        {
            "record_id": pa.array([f"source.csv:{i + 1}" for i in range(n)]),
            "name": pa.array(names, pa.string()),
            "birth_date": pa.array(births, pa.date32()),
            "gender": pa.array(genders, pa.string()),
            "phone": pa.array(phones, pa.string()),
            "district": pa.array(places, pa.string()),
            "id_hash": pa.array([h if ok else None for h, ok in zip(hashes, valid, strict=True)]),
        }
    )


def _noisy_name(name: str, draws: np.ndarray, noise: Noise, rng: np.random.Generator) -> str:
    surname_length = 2 if len(name) == 4 else 1
    characters = list(name)
    if draws[0] < noise.given_homophone:
        position = int(rng.integers(surname_length, len(name)))
        characters[position] = GIVEN_SOUND_ALIKE.get(characters[position], characters[position])
    if draws[1] < noise.surname_homophone:
        characters[0] = SURNAME_SOUND_ALIKE.get(characters[0], characters[0])
    return "".join(characters)


def _noisy_birth(birth: date, draw: float, noise: Noise, rng: np.random.Generator) -> date | None:
    if draw < noise.birth_missing:
        return None
    draw -= noise.birth_missing
    if draw < noise.birth_swapped:
        if birth.day <= 12 and birth.day != birth.month:
            return birth.replace(month=birth.day, day=birth.month)
        return birth + timedelta(days=1)
    draw -= noise.birth_swapped
    if draw < noise.birth_digit:
        text = birth.strftime("%Y%m%d")
        for _ in range(20):
            position = int(rng.integers(2, 8))
            digit = str(int(rng.integers(10)))
            typed = text[:position] + digit + text[position + 1 :]
            try:
                mistyped = date(int(typed[:4]), int(typed[4:6]), int(typed[6:]))
            except ValueError:
                continue
            if mistyped != birth:
                return mistyped
    return birth


def _noisy_phone(phone: str, draw: float, noise: Noise, rng: np.random.Generator) -> str | None:
    if draw < noise.phone_missing:
        return None
    draw -= noise.phone_missing
    if draw < noise.phone_changed:
        return "1" + "".join(str(d) for d in rng.integers(0, 10, 10))
    draw -= noise.phone_changed
    if draw < noise.phone_digit:
        position = int(rng.integers(3, 11))
        digit = str((int(phone[position]) + int(rng.integers(1, 10))) % 10)
        return phone[:position] + digit + phone[position + 1 :]
    return phone
