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
    "contrib.scheme": {"zh-CN": "险种", "en": "Scheme"},
    "contrib.where": {"zh-CN": "参保地", "en": "Insured in"},
    "contrib.where_work": {"zh-CN": "就业地（参保地）", "en": "Where you work"},
    "contrib.status": {"zh-CN": "状态", "en": "Status"},
    "contrib.base": {"zh-CN": "缴费基数（元/月）", "en": "Base (yuan/month)"},
    "contrib.range": {"zh-CN": "可选 {floor}–{ceiling}", "en": "from {floor} to {ceiling}"},
    "contrib.new_base": {
        "zh-CN": "{scheme}：下月起的新基数",
        "en": "{scheme}: new base from next month",
    },
    "contrib.change_base": {"zh-CN": "调整基数", "en": "Change base"},
    "contrib.pause": {"zh-CN": "下月起暂停缴费", "en": "Pause from next month"},
    "contrib.resume": {"zh-CN": "下月起恢复缴费", "en": "Resume from next month"},
    "contrib.frequency": {"zh-CN": "缴费方式", "en": "Pay"},
    "contrib.enrol": {"zh-CN": "参加职工养老保险", "en": "Join the employee pension"},
    "contrib.to_pay": {"zh-CN": "待缴费用", "en": "To pay"},
    "contrib.month": {"zh-CN": "月份", "en": "Month"},
    "contrib.outstanding": {"zh-CN": "待缴（元）", "en": "Owed (yuan)"},
    "contrib.amount": {"zh-CN": "本次缴费金额（元）", "en": "Amount to pay (yuan)"},
    "contrib.pay": {"zh-CN": "缴费", "en": "Pay"},
    "frequency.monthly": {"zh-CN": "按月", "en": "Monthly"},
    "frequency.quarterly": {"zh-CN": "按季", "en": "Quarterly"},
    "frequency.annual": {"zh-CN": "按年", "en": "Yearly"},
    "scheme.employee_pension": {"zh-CN": "职工养老保险", "en": "Employee pension"},
    "scheme.employee_medical": {"zh-CN": "职工医疗保险", "en": "Employee medical"},
    "status.active": {"zh-CN": "正常缴费", "en": "Paying"},
    "status.paused": {"zh-CN": "暂停缴费", "en": "Paused"},
    "status.terminated": {"zh-CN": "已终止", "en": "Ended"},
    "status.open": {"zh-CN": "待缴", "en": "Due"},
    "status.paid": {"zh-CN": "已缴", "en": "Paid"},
    "status.arrears": {"zh-CN": "欠缴", "en": "Overdue"},
    "status.gap": {"zh-CN": "未缴费（中断）", "en": "Not contributed"},
    "done.enrolled": {
        "zh-CN": "参保成功。月底将出具账单。",
        "en": "You are enrolled. Your bill comes at the month's end.",
    },
    "done.base": {
        "zh-CN": "缴费基数已调整，下月起生效。",
        "en": "Your base changes from next month.",
    },
    "done.paid": {
        "zh-CN": "缴费成功，已记入您的个人账户。",
        "en": "Paid. It is credited to your personal account.",
    },
    "done.paused": {
        "zh-CN": "已暂停，暂停期间的月份不计缴费年限。",
        "en": "Paused. Paused months do not count towards your years.",
    },
    "done.resumed": {"zh-CN": "已恢复缴费。", "en": "Contributions resume."},
    "record.title": {"zh-CN": "参保缴费记录", "en": "Contribution record"},
    "record.print": {"zh-CN": "打印", "en": "Print"},
    "record.months": {"zh-CN": "已缴费月数", "en": "Months paid"},
    "record.gaps": {"zh-CN": "中断月数", "en": "Months missed"},
    "record.account": {"zh-CN": "个人账户余额（元）", "en": "Personal account (yuan)"},
    "record.due": {"zh-CN": "应缴", "en": "Due"},
    "record.paid": {"zh-CN": "实缴", "en": "Paid"},
    "record.subsidy": {"zh-CN": "补贴", "en": "Subsidy"},
    "record.makeup": {"zh-CN": "补缴", "en": "make-up"},
    "subsidy.queue": {"zh-CN": "社保补贴审核", "en": "Subsidy reviews"},
    "subsidy.category": {"zh-CN": "类别", "en": "Category"},
    "subsidy.difficulty": {"zh-CN": "就业困难人员", "en": "Employment difficulty"},
    "subsidy.graduate": {"zh-CN": "高校毕业生", "en": "Graduate"},
    "subsidy.status.submitted": {"zh-CN": "待初审", "en": "Awaiting proposal"},
    "subsidy.status.proposed": {"zh-CN": "待复核", "en": "Awaiting decision"},
    "subsidy.proposal.approve": {"zh-CN": "拟同意", "en": "proposed: approve"},
    "subsidy.proposal.reject": {"zh-CN": "拟不同意", "en": "proposed: reject"},
    "subsidy.propose_approve": {"zh-CN": "拟同意", "en": "Propose approval"},
    "subsidy.propose_reject": {"zh-CN": "拟不同意", "en": "Propose rejection"},
    "subsidy.confirm": {"zh-CN": "复核通过", "en": "Confirm"},
    "subsidy.overturn": {"zh-CN": "复核不通过", "en": "Overturn"},
    "subsidy.needs_second": {"zh-CN": "需另一名经办人复核", "en": "Needs a second officer"},
    "subsidy.empty": {"zh-CN": "没有待审核的申请。", "en": "No applications to review."},
    "nav.subsidies": {"zh-CN": "补贴审核", "en": "Subsidies"},
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
