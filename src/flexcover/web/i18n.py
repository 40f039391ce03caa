"""Page languages: zh-CN by default, English on request. The API defaults to English."""

from __future__ import annotations

from fastapi import Request

from flexcover.kit.problems import LANGUAGES, choose_language

LANGUAGE_COOKIE = "flexcover_lang"

MESSAGES: dict[str, dict[str, str]] = {
    "app.name": {"zh-CN": "flexcover", "en": "flexcover"},
    "app.tagline": {
        "zh-CN": "灵活就业和新就业形态人员社会保险",
        "en": "Social insurance for flexible and platform workers",
    },
    "nav.home": {"zh-CN": "首页", "en": "Home"},
    "nav.people": {"zh-CN": "人员", "en": "People"},
    "nav.logout": {"zh-CN": "退出", "en": "Log out"},
    "nav.language": {"zh-CN": "English", "en": "中文"},
    "login.title": {"zh-CN": "登录", "en": "Log in"},
    "login.username": {"zh-CN": "用户名", "en": "Username"},
    "login.password": {"zh-CN": "密码", "en": "Password"},
    "login.submit": {"zh-CN": "登录", "en": "Log in"},
    "login.logged_out": {"zh-CN": "您已退出。", "en": "You have logged out."},
    "worker.title": {"zh-CN": "我的社保", "en": "My social insurance"},
    "worker.greeting": {"zh-CN": "您好，{name}", "en": "Hello, {name}"},
    "worker.profile": {"zh-CN": "个人信息", "en": "My details"},
    "worker.enrolments": {"zh-CN": "参保情况", "en": "Insurance"},
    "worker.no_enrolment": {
        "zh-CN": "您尚未以灵活就业人员身份参保。参保登记不受户籍限制，可在就业地办理。",
        "en": "You are not yet insured as a flexible worker. You can enrol where you work, "
        "whatever your hukou.",
    },
    "person.name": {"zh-CN": "姓名", "en": "Name"},
    "person.id_number": {"zh-CN": "身份证号码", "en": "Resident ID"},
    "person.gender": {"zh-CN": "性别", "en": "Gender"},
    "person.birth_date": {"zh-CN": "出生日期", "en": "Birth date"},
    "person.phone": {"zh-CN": "手机号码", "en": "Mobile"},
    "person.hukou": {"zh-CN": "户籍地", "en": "Hukou"},
    "person.residence": {"zh-CN": "居住地", "en": "Residence"},
    "person.registered_at": {"zh-CN": "登记时间", "en": "Registered"},
    "gender.male": {"zh-CN": "男", "en": "Male"},
    "gender.female": {"zh-CN": "女", "en": "Female"},
    "staff.title": {"zh-CN": "工作台", "en": "Workbench"},
    "staff.region": {"zh-CN": "辖区", "en": "Region"},
    "staff.role": {"zh-CN": "角色", "en": "Role"},
    "staff.people_total": {"zh-CN": "登记人员", "en": "Registered people"},
    "staff.districts": {"zh-CN": "各区县登记人员", "en": "People by district"},
    "staff.district": {"zh-CN": "区县", "en": "District"},
    "staff.count": {"zh-CN": "人数", "en": "People"},
    "people.title": {"zh-CN": "人员名单", "en": "People"},
    "people.page": {
        "zh-CN": "第 {page} / {pages} 页，共 {total} 人",
        "en": "Page {page} of {pages}, {total} people",
    },
    "people.previous": {"zh-CN": "上一页", "en": "Previous"},
    "people.next": {"zh-CN": "下一页", "en": "Next"},
    "people.empty": {"zh-CN": "暂无人员。", "en": "No people yet."},
    "platform.title": {"zh-CN": "平台企业", "en": "Platform"},
    "platform.credit_code": {"zh-CN": "统一社会信用代码", "en": "Unified social credit code"},
    "platform.industries": {"zh-CN": "行业", "en": "Industries"},
    "industry.mobility": {"zh-CN": "出行", "en": "Mobility"},
    "industry.instant_delivery": {"zh-CN": "即时配送", "en": "Instant delivery"},
    "industry.freight": {"zh-CN": "同城货运", "en": "Intra-city freight"},
    "role.worker": {"zh-CN": "参保人", "en": "Worker"},
    "role.platform": {"zh-CN": "平台企业", "en": "Platform"},
    "role.district_officer": {"zh-CN": "区县经办人员", "en": "District officer"},
    "role.city_officer": {"zh-CN": "市级经办人员", "en": "City officer"},
    "role.province_officer": {"zh-CN": "省级经办人员", "en": "Province officer"},
    "role.auditor": {"zh-CN": "审计人员", "en": "Auditor"},
    "role.admin": {"zh-CN": "系统管理员", "en": "Administrator"},
    "error.title": {"zh-CN": "出错了", "en": "Something went wrong"},
    "error.back": {"zh-CN": "返回首页", "en": "Back to the home page"},
}


def translate(key: str, language: str, **params: object) -> str:
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    text = entry.get(language) or entry["en"]
    return text.format(**params) if params else text


def page_language(request: Request) -> str:
    """An explicit choice (``?lang=`` or the cookie) wins; then Accept-Language; then zh-CN."""
    chosen = request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return choose_language(request.headers.get("accept-language"), default="zh-CN")


def api_language(request: Request) -> str:
    return choose_language(request.headers.get("accept-language"), default="en")
