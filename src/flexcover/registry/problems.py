"""What the registry refuses, and why: each a problem with a stable code and both languages."""

from __future__ import annotations

from flexcover.kit.problems import Problem, Refusal


class UnknownJurisdiction(Problem):
    code = "unknown_jurisdiction"
    title = {"zh-CN": "行政区划不存在", "en": "Unknown jurisdiction"}
    detail = {
        "zh-CN": "{field}：{value} 不是现行的 GB/T 2260 行政区划代码。",
        "en": "{field}: {value} is not a current GB/T 2260 jurisdiction code.",
    }


class WrongJurisdictionLevel(Problem):
    code = "wrong_jurisdiction_level"
    title = {"zh-CN": "行政区划级别不符", "en": "Wrong jurisdiction level"}
    detail = {
        "zh-CN": "{field}：{value}（{name}）是{level}级，此处需要{expected}级。",
        "en": "{field}: {value} ({name}) is a {level}; a {expected} is needed here.",
    }


class BirthDateMismatch(Problem):
    code = "birth_date_mismatch"
    title = {"zh-CN": "出生日期与身份证号码不符", "en": "Birth date does not match the ID"}
    detail = {
        "zh-CN": "{field} 为 {given}，但身份证号码中的出生日期是 {expected}。",
        "en": "{field} is {given} but the resident ID says {expected}.",
    }


class GenderMismatch(Problem):
    code = "gender_mismatch"
    title = {"zh-CN": "性别与身份证号码不符", "en": "Gender does not match the ID"}
    detail = {
        "zh-CN": "{field} 为 {given}，但身份证号码第 17 位表示 {expected}。",
        "en": "{field} is {given} but the 17th digit of the resident ID says {expected}.",
    }


class DuplicatePerson(Problem):
    code = "duplicate_person"
    status = 409
    title = {"zh-CN": "人员已登记", "en": "Person already registered"}
    detail = {
        "zh-CN": "{field}：该身份证号码的人员已登记（人员编号 {person_id}）。",
        "en": "{field}: a person with this resident ID is already registered (id {person_id}).",
    }


class DuplicateCreditCode(Problem):
    code = "duplicate_credit_code"
    status = 409
    title = {"zh-CN": "单位已登记", "en": "Organisation already registered"}
    detail = {
        "zh-CN": "{field}：该统一社会信用代码已登记（编号 {existing_id}）。",
        "en": "{field}: this credit code is already registered (id {existing_id}).",
    }


class UnknownIndustry(Problem):
    code = "unknown_industry"
    title = {"zh-CN": "行业未知", "en": "Unknown industry"}
    detail = {
        "zh-CN": "{field}：“{value}”不是职业伤害保障试点行业（{allowed}）。",
        "en": "{field}: '{value}' is not an occupational-injury pilot industry ({allowed}).",
    }


class DuplicateUsername(Problem):
    code = "duplicate_username"
    status = 409
    title = {"zh-CN": "用户名已存在", "en": "Username taken"}
    detail = {"zh-CN": "{field}：用户名“{value}”已被使用。", "en": "{field}: '{value}' is taken."}


class InvalidUserBinding(Refusal):
    code = "invalid_user_binding"
    title = {"zh-CN": "用户设置有误", "en": "Inconsistent user"}


class InvalidCredentials(Problem):
    code = "invalid_credentials"
    status = 401
    title = {"zh-CN": "用户名或密码错误", "en": "Wrong username or password"}
    detail = {
        "zh-CN": "用户名或密码错误，请重试。",
        "en": "The username or password is wrong. Try again.",
    }


class LoginLocked(Problem):
    """Too many wrong passwords in a row: the login rests until ``until`` (the right password
    is refused meanwhile, so that guessing gains nothing)."""

    code = "login_locked"
    status = 429
    title = {"zh-CN": "登录已暂时锁定", "en": "Login temporarily locked"}
    detail = {
        "zh-CN": "连续输错密码次数过多，请于 {until}（北京时间）后再试，或请管理员重置密码。",
        "en": "Too many wrong passwords in a row: try again after {until} (Beijing time), or ask "
        "an administrator to reset the password.",
    }


class TooManyAttempts(Problem):
    code = "too_many_attempts"
    status = 429
    title = {"zh-CN": "尝试次数过多", "en": "Too many attempts"}
    detail = {
        "zh-CN": "来自此地址的登录失败次数过多，请稍后再试。",
        "en": "Too many failed logins from this address; try again later.",
    }


class PasswordRefused(Refusal):
    code = "password_refused"
    title = {"zh-CN": "密码不符合要求", "en": "Password not accepted"}
