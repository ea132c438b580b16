"""Made-up people for the scale data: names, resident ID numbers, phones, credit codes."""

import datetime
import random

from stations.validators import credit_code_check_character, id_number_check_character

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严"
)
GIVEN = (
    "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉兰红梅琳建国志文斌宇浩凯鹏辉婷雪琴晶"
    "慧颖欣怡佳俊峰海波宁鑫亮浩然子涵雨萱博文思远嘉怡梓轩乐其格图雅乌兰巴特尔苏日娜"
)


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def id_number(
    rng: random.Random, *, region: str, born_from: datetime.date, born_to: datetime.date
) -> tuple[str, datetime.date, str]:
    """A valid 18-character ID number (GB 11643) of the 6-digit `region`: (number, birth, gender)."""
    span = (born_to - born_from).days
    birth = born_from + datetime.timedelta(days=rng.randrange(span + 1))
    sequence = rng.randrange(1000)
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    gender = "male" if sequence % 2 else "female"
    return first17 + id_number_check_character(first17), birth, gender


def mobile_phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


def credit_code(*, registration: str, region: str, serial: int) -> str:
    """A valid unified social credit code (GB 32100): `registration` is the 2-character prefix
    ("52" a social organisation registered with civil affairs, "91" a company); unique by serial."""
    first17 = f"{registration}{region}{serial:09d}"
    return first17 + credit_code_check_character(first17)
