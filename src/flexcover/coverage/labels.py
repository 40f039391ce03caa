"""The words of the comparison engine in both languages: classes, reasons, tags, actions,
channels and task statuses (pages, workbooks and charts use them)."""

from __future__ import annotations

CLASS_LABELS = {
    "zh-CN": {
        "covered": "已参保",
        "interrupted": "断缴",
        "dropped": "脱保",
        "never_insured": "未参保",
        "excluded": "不纳入",
    },
    "en": {
        "covered": "Covered",
        "interrupted": "Interrupted",
        "dropped": "Dropped out",
        "never_insured": "Never insured",
        "excluded": "Excluded",
    },
}
REASON_LABELS = {
    "zh-CN": {
        "deceased": "已死亡",
        "under_age": "未满16周岁",
        "over_age": "已达退休年龄",
        "retired": "领取养老金",
        "student": "在校学生",
        "insured_elsewhere": "外省参保",
    },
    "en": {
        "deceased": "Deceased",
        "under_age": "Under 16",
        "over_age": "Past retirement age",
        "retired": "Receiving a pension",
        "student": "Student",
        "insured_elsewhere": "Insured in another province",
    },
}
TAG_LABELS = {
    "zh-CN": {
        "platform_worker": "平台从业人员",
        "platform_no_pension": "平台从业未参养老",
        "tax_income_uninsured": "有纳税收入未参保",
        "near_retirement_short": "临近退休缴费年限不足",
        "minimum_income": "低保家庭",
        "disadvantaged": "困难群体",
        "self_employed": "个体工商户",
    },
    "en": {
        "platform_worker": "Platform worker",
        "platform_no_pension": "Platform worker without pension",
        "tax_income_uninsured": "Tax income, uninsured",
        "near_retirement_short": "Near retirement, record short",
        "minimum_income": "Minimum-income household",
        "disadvantaged": "Disadvantaged group",
        "self_employed": "Individual business",
    },
}
ACTION_LABELS = {
    "zh-CN": {
        "enrol_flexible": "宣传动员，引导以灵活就业人员身份参保",
        "restore_enrolment": "核实去向，引导恢复参保",
        "resume_payment": "提醒续缴，告知补缴政策",
        "employer_enrol_staff": "督促单位为职工足额参保",
        "project_injury_cover": "督促项目按项目参加工伤保险",
    },
    "en": {
        "enrol_flexible": "Inform and help them enrol as a flexible worker",
        "restore_enrolment": "Find out why they left and help them re-enrol",
        "resume_payment": "Remind them to resume paying; explain the make-up policy",
        "employer_enrol_staff": "Have the employer insure all its staff",
        "project_injury_cover": "Have the project take work-injury insurance",
    },
}
CHANNEL_LABELS = {
    "zh-CN": {"phone": "电话", "visit": "上门", "platform": "经平台通知", "letter": "书面"},
    "en": {
        "phone": "Phone",
        "visit": "Visit",
        "platform": "Through the platform",
        "letter": "Letter",
    },
}
STATUS_LABELS = {
    "zh-CN": {
        "issued": "待核实",
        "contacted": "已联系",
        "enrolled": "已参保（待确认）",
        "unreachable": "无法联系",
        "not_applicable": "不适用",
        "converted": "已转化",
        "resolved": "已消除",
    },
    "en": {
        "issued": "Issued",
        "contacted": "Contacted",
        "enrolled": "Enrolled (to confirm)",
        "unreachable": "Unreachable",
        "not_applicable": "Not applicable",
        "converted": "Converted",
        "resolved": "Resolved",
    },
}
KIND_LABELS = {
    "zh-CN": {
        "person": "人员",
        "employer_under_insured": "单位少报漏报",
        "project_no_injury_cover": "项目未参加工伤保险",
    },
    "en": {
        "person": "Person",
        "employer_under_insured": "Employer under-insuring",
        "project_no_injury_cover": "Project without injury cover",
    },
}


def words(lang: str) -> dict[str, dict[str, str]]:
    """The domain words of coverage in the page's language, for templates."""
    return {
        "class": CLASS_LABELS[lang],
        "reason": REASON_LABELS[lang],
        "tag": TAG_LABELS[lang],
        "action": ACTION_LABELS[lang],
        "channel": CHANNEL_LABELS[lang],
        "status": STATUS_LABELS[lang],
        "kind": KIND_LABELS[lang],
    }
