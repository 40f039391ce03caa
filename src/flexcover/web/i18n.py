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
    "status.not_billed": {"zh-CN": "未出账单", "en": "Not billed yet"},
    "record.provisional": {
        "zh-CN": "暂按上年度标准核定，新标准公布后多退少补",
        "en": "priced on last year's limits until this year's are published; the difference "
        "is then billed or refunded",
    },
    "done.enrolled": {
        "zh-CN": "参保成功。月底将出具账单。",
        "en": "You are enrolled. Your bill comes at the month's end.",
    },
    "done.base": {
        "zh-CN": "缴费基数已调整，下月起生效。",
        "en": "Your base changes from next month.",
    },
    "done.paid": {
        "zh-CN": "缴费成功：{months} 已缴清，按规定记入个人账户和统筹基金。",
        "en": "Paid: {months} paid in full, credited to your personal account and the pooled "
        "fund as the rules say.",
    },
    "done.paid_part": {
        "zh-CN": "已收到 {amount} 元，用于 {month} 的账单；该月还差 {remaining} 元。"
        "账单缴清后才记入个人账户。",
        "en": "{amount} yuan received towards the bill of {month}, which still lacks {remaining} "
        "yuan. Nothing reaches your personal account until the bill is paid in full.",
    },
    "done.paid_unknown": {"zh-CN": "已收到您的缴费。", "en": "Your payment was received."},
    "done.pause_withdrawn": {
        "zh-CN": "已撤销暂停，继续按月缴费。",
        "en": "The pause is withdrawn; you keep paying every month.",
    },
    "done.applied": {
        "zh-CN": "补贴申请已提交，经办机构审核后会通知您。",
        "en": "Your subsidy application is in; the office tells you once it is decided.",
    },
    "done.makeup": {
        "zh-CN": "补缴账单已生成，请在下方缴费。",
        "en": "The make-up bills are ready to pay below.",
    },
    "done.paused": {
        "zh-CN": "已办理暂停，暂停期间的月份不计缴费年限；暂停开始前可以撤销。",
        "en": "Paused. Paused months do not count towards your years; you can withdraw the "
        "pause until it begins.",
    },
    "pause.title": {"zh-CN": "确认暂停缴费", "en": "Pause your contributions?"},
    "pause.what": {
        "zh-CN": "{scheme}将从 {month} 起暂停缴费，直到您办理恢复。",
        "en": "Your {scheme} contributions stop from {month} until you resume them.",
    },
    "pause.no_years": {
        "zh-CN": "暂停期间的月份不计入缴费年限，也不会记入个人账户。",
        "en": "Paused months do not count towards your contribution years or your account.",
    },
    "pause.no_makeup": {
        "zh-CN": "暂停的月份以后一般不能补缴（以本地补缴政策为准）。",
        "en": "Paused months usually cannot be made up later (the local make-up policy decides).",
    },
    "pause.medical": {
        "zh-CN": "医疗保险中断超过 3 个月的，恢复后可能有待遇等待期。",
        "en": "A medical gap of more than 3 months may mean a waiting period when you resume.",
    },
    "pause.undo": {
        "zh-CN": "暂停开始前可以在首页撤销。",
        "en": "You can withdraw the pause on your home page until it begins.",
    },
    "pause.confirm": {"zh-CN": "确认从 {month} 起暂停", "en": "Pause from {month}"},
    "pause.cancel": {"zh-CN": "不暂停，返回", "en": "Keep paying"},
    "contrib.pause_ahead": {"zh-CN": "将于 {month} 起暂停", "en": "Paused from {month}"},
    "contrib.withdraw_pause": {
        "zh-CN": "撤销 {month} 起的暂停",
        "en": "Withdraw the pause from {month}",
    },
    "contrib.monthly": {"zh-CN": "月缴费额（元）", "en": "A month (yuan)"},
    "contrib.quote": {"zh-CN": "每月应缴 {amount} 元", "en": "{amount} yuan a month"},
    "contrib.quote_carried": {
        "zh-CN": "（暂按上年度标准，新标准公布后多退少补）",
        "en": " (on last year's limits until this year's are published)",
    },
    "contrib.limits_carried": {
        "zh-CN": "暂按上年度标准",
        "en": "last year's limits, until this year's are published",
    },
    "contrib.provisional_bill": {"zh-CN": "（暂定）", "en": "(provisional)"},
    "contrib.due_on": {"zh-CN": "缴费期限", "en": "Pay by"},
    "contrib.pay_note": {
        "zh-CN": "按月份先后抵缴；一个月的账单缴清后才记入个人账户。",
        "en": "Payments settle the oldest bill first; a month reaches your account once its "
        "bill is paid in full.",
    },
    "contrib.enrol_submit": {"zh-CN": "参保登记", "en": "Enrol"},
    "contrib.no_medical_here": {
        "zh-CN": "本地灵活就业人员职工医保的费率尚未载入，暂不能在此办理医保参保。",
        "en": "The employee-medical rate for flexible workers is not loaded for this region, so "
        "medical insurance cannot be joined here yet.",
    },
    "frequency.semiannual": {"zh-CN": "按半年", "en": "Half-yearly"},
    "subsidy.title": {"zh-CN": "灵活就业社保补贴", "en": "Social insurance subsidy"},
    "subsidy.certificate": {
        "zh-CN": "认定证明编号（就业困难人员认定或毕业证书编号）",
        "en": "Certificate number (difficulty certification or diploma)",
    },
    "subsidy.apply": {"zh-CN": "申请补贴", "en": "Apply"},
    "subsidy.enrol_first": {
        "zh-CN": "参加职工养老保险并缴费后可申请。",
        "en": "You can apply once enrolled in the employee pension.",
    },
    "subsidy.state.submitted": {"zh-CN": "已提交，待审核", "en": "Submitted"},
    "subsidy.state.proposed": {"zh-CN": "审核中", "en": "Being reviewed"},
    "subsidy.state.approved": {"zh-CN": "已批准", "en": "Approved"},
    "subsidy.state.rejected": {"zh-CN": "未批准", "en": "Not approved"},
    "makeup.title": {"zh-CN": "补缴", "en": "Make up missed months"},
    "makeup.policy.none": {
        "zh-CN": "本地不允许灵活就业人员补缴中断月份。",
        "en": "Missed months cannot be made up here.",
    },
    "makeup.policy.window": {
        "zh-CN": "本地允许补缴近期中断的月份。",
        "en": "Recent missed months can be made up here.",
    },
    "makeup.policy.short_of_minimum_at_retirement": {
        "zh-CN": "达到退休年龄、缴费不足最低年限且在规定日期前参保的人员，可一次性补缴至最低年限。",
        "en": "People past retirement age who are short of the minimum years and were insured "
        "before the date the rule sets may pay the shortfall at once.",
    },
    "makeup.source": {"zh-CN": "依据：{source}", "en": "Rule: {source}"},
    "makeup.months": {"zh-CN": "选择补缴月份", "en": "Months to make up"},
    "makeup.submit": {"zh-CN": "生成补缴账单", "en": "Bill these months"},
    "makeup.nothing": {
        "zh-CN": "没有可补缴的月份。",
        "en": "There is no missed month you can make up.",
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
    "platform.money": {"zh-CN": "应缴与已缴", "en": "Owed and paid"},
    "platform.owed": {"zh-CN": "当前应缴 {amount} 元", "en": "Owed now: {amount} yuan"},
    "platform.workers_billed": {"zh-CN": "分担人数", "en": "Workers"},
    "platform.share_billed": {"zh-CN": "平台分担（元）", "en": "Platform share (yuan)"},
    "platform.payments": {"zh-CN": "缴款记录", "en": "Payments"},
    "platform.paid_at": {"zh-CN": "时间", "en": "When"},
    "platform.amount": {"zh-CN": "金额（元）", "en": "Amount (yuan)"},
    "platform.reference": {"zh-CN": "流水号", "en": "Reference"},
    "platform.no_payments": {"zh-CN": "尚无缴款。", "en": "No payments yet."},
    "platform.agreements": {"zh-CN": "共担协议", "en": "Co-contribution agreements"},
    "platform.share_rule": {
        "zh-CN": "分担养老保险费的 {percent}%",
        "en": "{percent} % of the pension bills",
    },
    "platform.fixed_rule": {
        "zh-CN": "每人每月固定 {amount} 元",
        "en": "{amount} yuan a worker a month",
    },
    "platform.no_agreements": {"zh-CN": "尚无协议。", "en": "No agreement yet."},
    "platform.roster": {"zh-CN": "从业人员名册", "en": "Roster"},
    "platform.roster_count": {
        "zh-CN": "{month} 在册 {count} 人（累计登记 {total} 条）",
        "en": "{count} on the roster in {month} ({total} entries in all)",
    },
    "platform.period": {"zh-CN": "期间", "en": "Period"},
    "platform.roster_api": {
        "zh-CN": "名册通过接口 POST /api/v1/platforms/{id}/workers 按身份证号码登记"
        "（JSON 数组或 NDJSON）。",
        "en": "The roster comes through POST /api/v1/platforms/{id}/workers, by resident ID "
        "number (a JSON array or NDJSON).",
    },
    "platform.tokens": {"zh-CN": "接口令牌", "en": "API tokens"},
    "platform.token_prefix": {"zh-CN": "令牌前缀", "en": "Token"},
    "platform.token_label": {"zh-CN": "用途", "en": "Label"},
    "platform.token_created": {"zh-CN": "签发时间", "en": "Issued"},
    "platform.token_live": {"zh-CN": "有效", "en": "Live"},
    "platform.token_revoked": {"zh-CN": "已于 {at} 作废", "en": "Revoked {at}"},
    "platform.rotate": {"zh-CN": "更换", "en": "Rotate"},
    "platform.revoke": {"zh-CN": "作废", "en": "Revoke"},
    "platform.revoked": {"zh-CN": "令牌已作废。", "en": "The token is revoked."},
    "platform.new_token": {
        "zh-CN": "新令牌如下，只显示这一次，请立即保存到系统配置中；旧令牌已作废。",
        "en": "The new token is below and is shown only this once: store it now. The old one "
        "no longer works.",
    },
    "platform.requests": {"zh-CN": "最近的接口请求", "en": "Recent API writes"},
    "platform.request_at": {"zh-CN": "时间", "en": "When"},
    "platform.operation": {"zh-CN": "操作", "en": "Operation"},
    "platform.accepted": {"zh-CN": "接受", "en": "Accepted"},
    "platform.rejected": {"zh-CN": "拒绝", "en": "Refused"},
    "platform.rejected_rows": {"zh-CN": "被拒绝的行", "en": "Refused rows"},
    "platform.rejected_row": {
        "zh-CN": "第 {line} 行：{code} {pointer}",
        "en": "line {line}: {code} {pointer}",
    },
    "platform.no_requests": {"zh-CN": "尚无接口请求。", "en": "No API writes yet."},
    "platform.op.roster.add": {"zh-CN": "登记名册", "en": "Roster"},
    "platform.op.agreement": {"zh-CN": "共担协议", "en": "Agreement"},
    "platform.op.payment": {"zh-CN": "缴款", "en": "Payment"},
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
    # 精准扩面 and the 数字驾驶舱 (the domain words are in coverage/labels.py)
    "nav.cockpit": {"zh-CN": "驾驶舱", "en": "Cockpit"},
    "nav.tasks": {"zh-CN": "扩面任务", "en": "Tasks"},
    "nav.bills": {"zh-CN": "缴费账单", "en": "Bills"},
    "expansion.title": {"zh-CN": "精准扩面", "en": "Coverage expansion"},
    "filter.all": {"zh-CN": "全部", "en": "All"},
    "filter.apply": {"zh-CN": "筛选", "en": "Filter"},
    "filter.title": {"zh-CN": "筛选条件", "en": "Filters"},
    "cockpit.title": {"zh-CN": "数字驾驶舱", "en": "Cockpit"},
    "cockpit.about": {
        "zh-CN": "参保率、扩面进度、平台从业人员、基金收缴",
        "en": "Coverage, expansion progress, platform workers, funds",
    },
    "cockpit.pick_region": {"zh-CN": "查看辖区", "en": "Show region"},
    "cockpit.show": {"zh-CN": "查看", "en": "Show"},
    "cockpit.panels": {"zh-CN": "驾驶舱栏目", "en": "Cockpit panels"},
    "cockpit.run_note": {
        "zh-CN": "比对月份 {month}（第 {run} 次比对）",
        "en": "Comparison for {month} (run {run})",
    },
    "cockpit.no_run": {
        "zh-CN": "本辖区尚无已完成的比对。",
        "en": "No finished comparison covers this region yet.",
    },
    "cockpit.no_tasks": {"zh-CN": "本辖区尚无扩面任务。", "en": "No expansion tasks here yet."},
    "cockpit.no_platform": {
        "zh-CN": "最近一次比对未发现平台从业人员。",
        "en": "The latest comparison found no platform workers here.",
    },
    "cockpit.no_settlement": {"zh-CN": "尚无完成的月结。", "en": "No month is settled yet."},
    "cockpit.no_bills": {
        "zh-CN": "{month} 本辖区没有账单。",
        "en": "No bills in this region for {month}.",
    },
    "cockpit.settled_note": {
        "zh-CN": "最近月结月份 {month}；欠费为该月及以前逾期未缴的金额",
        "en": "Latest settled month {month}; arrears are what overdue bills up to it still owe",
    },
    "cockpit.unit.people": {"zh-CN": "人", "en": "people"},
    "cockpit.unit.yuan": {"zh-CN": "元", "en": "yuan"},
    "cockpit.coverage_rate": {"zh-CN": "参保率", "en": "Coverage rate"},
    "cockpit.rate_of": {
        "zh-CN": "应参保 {of} 人中已参保 {covered} 人",
        "en": "{covered} of {of} who should be insured",
    },
    "cockpit.to_reach": {"zh-CN": "待扩面人数", "en": "People to reach"},
    "cockpit.people_by_class": {"zh-CN": "各区县人员分类", "en": "People by class and district"},
    "cockpit.rate_by_district": {
        "zh-CN": "各区县参保率排名",
        "en": "Coverage rate by district, ranked",
    },
    "cockpit.platform_by_class": {
        "zh-CN": "各区县平台从业人员分类",
        "en": "Platform workers by class and district",
    },
    "cockpit.issued": {"zh-CN": "已下发", "en": "Issued"},
    "cockpit.verified": {"zh-CN": "已核实", "en": "Verified"},
    "cockpit.converted": {"zh-CN": "已转化", "en": "Converted"},
    "cockpit.conversion": {"zh-CN": "转化率", "en": "Conversion"},
    "cockpit.platform_rate": {
        "zh-CN": "平台从业人员参保率",
        "en": "Platform workers insured",
    },
    "cockpit.collected": {"zh-CN": "征缴收入（元）", "en": "Collected (yuan)"},
    "cockpit.subsidies": {"zh-CN": "社保补贴（元）", "en": "Subsidies (yuan)"},
    "cockpit.arrears": {"zh-CN": "欠费余额（元）", "en": "Arrears (yuan)"},
    "tasks.title": {"zh-CN": "扩面任务", "en": "Expansion tasks"},
    "tasks.about": {
        "zh-CN": "逐人核实、记录结果，导出与回传任务表",
        "en": "Work each finding, record outcomes, export and return workbooks",
    },
    "tasks.page": {
        "zh-CN": "第 {page} / {pages} 页，共 {total} 条",
        "en": "Page {page} of {pages}, {total} tasks",
    },
    "tasks.empty": {"zh-CN": "没有符合条件的任务。", "en": "No tasks match."},
    "tasks.name": {"zh-CN": "姓名/名称", "en": "Name"},
    "tasks.class": {"zh-CN": "分类", "en": "Class"},
    "tasks.tag": {"zh-CN": "标签", "en": "Tags"},
    "tasks.status": {"zh-CN": "状态", "en": "Status"},
    "tasks.kind": {"zh-CN": "类型", "en": "Kind"},
    "tasks.priority": {"zh-CN": "优先级", "en": "Priority"},
    "tasks.priority.1": {"zh-CN": "1 临近退休", "en": "1 Near retirement"},
    "tasks.priority.2": {"zh-CN": "2 平台从业", "en": "2 Platform worker"},
    "tasks.priority.3": {"zh-CN": "3 其他", "en": "3 Others"},
    "tasks.group.open": {"zh-CN": "在办（未办结）", "en": "Open"},
    "tasks.group.verified": {"zh-CN": "已核实", "en": "Verified"},
    "tasks.group.current": {"zh-CN": "已下发（不含已消除）", "en": "Issued (not resolved)"},
    "tasks.action": {"zh-CN": "建议措施", "en": "Suggested action"},
    "tasks.channel": {"zh-CN": "联系渠道", "en": "Channel"},
    "tasks.export": {"zh-CN": "导出任务表（Excel）", "en": "Export workbook (Excel)"},
    "tasks.import": {"zh-CN": "回传核实结果", "en": "Return a filled-in workbook"},
    "tasks.import_help": {
        "zh-CN": "在导出的任务表中填写“核实结果”（不适用须填原因）后上传；有一行有误则全部不记录。",
        "en": "Fill in the outcome column of an exported workbook (a reason for 'not "
        "applicable') and upload it; if any row is wrong, nothing is recorded.",
    },
    "tasks.workbook": {"zh-CN": "任务表文件", "en": "Workbook"},
    "tasks.upload": {"zh-CN": "上传", "en": "Upload"},
    "tasks.imported": {
        "zh-CN": "已记录 {count} 条核实结果。",
        "en": "{count} outcome(s) recorded.",
    },
    "tasks.import_refused": {
        "zh-CN": "任务表有 {count} 处错误，未记录任何结果。请改正后重新上传。",
        "en": "The workbook has {count} error(s); nothing was recorded. Correct them and "
        "upload it again.",
    },
    "tasks.line": {"zh-CN": "行号", "en": "Line"},
    "tasks.back": {"zh-CN": "返回任务清单", "en": "Back to the tasks"},
    "tasks.recorded": {"zh-CN": "核实结果已记录。", "en": "The outcome is recorded."},
    "tasks.record": {"zh-CN": "记录核实结果", "en": "Record the outcome"},
    "tasks.outcome": {"zh-CN": "核实结果", "en": "Outcome"},
    "tasks.outcome.enrolled": {"zh-CN": "已参保", "en": "Enrolled"},
    "tasks.reason": {"zh-CN": "原因", "en": "Reason"},
    "tasks.reason_help": {
        "zh-CN": "（选“不适用”时必填，不超过 200 字）",
        "en": "(required for 'not applicable'; at most 200 characters)",
    },
    "tasks.save": {"zh-CN": "保存", "en": "Save"},
    "tasks.closed": {
        "zh-CN": "此任务已办结，不能再记录结果。",
        "en": "This task is closed; no outcome can be recorded.",
    },
    "tasks.outcome_by": {"zh-CN": "核实人", "en": "Recorded by"},
    "tasks.converted_at": {"zh-CN": "转化时间", "en": "Converted on"},
    "tasks.runs": {"zh-CN": "来源比对", "en": "Found by"},
    "tasks.runs_text": {
        "zh-CN": "第 {first} 次比对发现，第 {last} 次比对更新",
        "en": "found by run {first}, last updated by run {last}",
    },
    "tasks.detail.unpaid_months": {"zh-CN": "近12个月欠缴月数", "en": "Unpaid months (last 12)"},
    "tasks.detail.months_total": {"zh-CN": "累计缴费月数", "en": "Months contributed"},
    "tasks.detail.retirement_month": {"zh-CN": "退休月份", "en": "Retirement month"},
    "tasks.detail.headcount": {"zh-CN": "个税申报人数", "en": "People in tax records"},
    "tasks.detail.insured": {"zh-CN": "参保人数", "en": "People insured"},
    "tasks.detail.reference": {"zh-CN": "项目编号", "en": "Project"},
    "tasks.detail.evidence": {"zh-CN": "依据记录", "en": "Evidence"},
    "coverage_people.title": {"zh-CN": "比对人员名单", "en": "People in the comparison"},
    "runs.title": {"zh-CN": "数据比对", "en": "Comparisons"},
    "runs.about": {
        "zh-CN": "历次比对的结果与数据质量",
        "en": "Runs, their results and data quality",
    },
    "runs.about_compare": {
        "zh-CN": "发起比对，查看历次结果与数据质量",
        "en": "Start a comparison; runs, results and data quality",
    },
    "runs.start": {"zh-CN": "发起比对", "en": "Start a comparison"},
    "runs.sources": {"zh-CN": "数据文件夹", "en": "Source folder"},
    "runs.as_of": {"zh-CN": "比对月份", "en": "Month"},
    "runs.engine": {"zh-CN": "计算引擎", "en": "Engine"},
    "runs.engine.duckdb": {"zh-CN": "DuckDB（单机）", "en": "DuckDB (one machine)"},
    "runs.engine.spark": {"zh-CN": "Spark（集群）", "en": "Spark (cluster)"},
    "runs.submit": {"zh-CN": "开始比对", "en": "Start"},
    "runs.no_folders": {
        "zh-CN": "数据目录 sources/ 下没有可比对的数据文件夹。",
        "en": "There is no source folder under sources/ in the data folder.",
    },
    "runs.started": {
        "zh-CN": "比对已在后台开始，完成后本页会显示结果。",
        "en": "The comparison runs in the background; this page shows it when done.",
    },
    "runs.finished": {
        "zh-CN": "比对已结束，结果见下方。",
        "en": "The comparison has finished; its results are below.",
    },
    "runs.month_mismatch": {
        "zh-CN": "文件夹 {folder} 的名称表明数据属于 {folder_month}，而比对月份是 {month}。"
        "确认数据无误后再开始。",
        "en": "The folder {folder} is named for {folder_month}, but the comparison is for "
        "{month}. Start it only if the data are right.",
    },
    "runs.start_anyway": {"zh-CN": "仍然开始比对", "en": "Start anyway"},
    "runs.warning": {"zh-CN": "提示", "en": "Warning"},
    "runs.data_month": {
        "zh-CN": "各部门的月度数据截至 {data_month}，与比对月份 {month} 不符",
        "en": "the departments' monthly data reach {data_month}, not the run's month {month}",
    },
    "runs.left_to_run": {
        "zh-CN": "任务未改动：第 {run} 次比对的月份更晚",
        "en": "tasks left unchanged: run {run} is of a later month",
    },
    "runs.refreshing": {
        "zh-CN": "有比对正在进行，本页每 {seconds} 秒自动刷新。",
        "en": "A comparison is running; this page refreshes every {seconds} s.",
    },
    "runs.run": {"zh-CN": "第 {id} 次比对 · {month}", "en": "Run {id} · {month}"},
    "runs.status.running": {"zh-CN": "进行中", "en": "Running"},
    "runs.status.done": {"zh-CN": "已完成", "en": "Done"},
    "runs.status.failed": {"zh-CN": "失败", "en": "Failed"},
    "runs.started_by": {"zh-CN": "发起", "en": "Started"},
    "runs.people": {"zh-CN": "人口库人数", "en": "People compared"},
    "runs.classes": {"zh-CN": "分类结果", "en": "Classes"},
    "runs.tasks": {"zh-CN": "扩面任务", "en": "Tasks"},
    "runs.tasks_text": {
        "zh-CN": "新下发 {issued}，更新 {updated}，消除 {resolved}",
        "en": "{issued} issued, {updated} updated, {resolved} resolved",
    },
    "runs.error": {"zh-CN": "失败原因", "en": "Error"},
    "runs.report": {"zh-CN": "数据质量报告", "en": "Data quality report"},
    "runs.source": {"zh-CN": "数据来源", "en": "Source"},
    "runs.rows": {"zh-CN": "读入行数", "en": "Rows"},
    "runs.kept": {"zh-CN": "有效行数", "en": "Kept"},
    "runs.bad": {"zh-CN": "剔除行（按原因）", "en": "Left out, by reason"},
    "runs.matching": {
        "zh-CN": "精确匹配 {exact} 条，概率匹配 {probabilistic} 条，未匹配 {unmatched} 条",
        "en": "{exact} matched exactly, {probabilistic} probabilistically, {unmatched} unmatched",
    },
    "runs.empty": {"zh-CN": "本辖区尚无比对记录。", "en": "No comparisons for this region yet."},
    "source.population": {"zh-CN": "人口库", "en": "Population register"},
    "source.tax": {"zh-CN": "个税", "en": "Tax"},
    "source.platform": {"zh-CN": "平台企业", "en": "Platforms"},
    "source.injury": {"zh-CN": "职业伤害保障", "en": "Occupational injury"},
    "source.deaths": {"zh-CN": "死亡", "en": "Deaths"},
    "source.dibao": {"zh-CN": "低保", "en": "Minimum income"},
    "source.disadvantaged": {"zh-CN": "困难群体", "en": "Disadvantaged"},
    "source.business": {"zh-CN": "市场主体登记", "en": "Business registrations"},
    "source.construction": {"zh-CN": "开工项目", "en": "Construction projects"},
    "source.elsewhere": {"zh-CN": "外省参保", "en": "Insured elsewhere"},
    "source.register": {"zh-CN": "本地参保库", "en": "Insured register"},
    "bills.title": {"zh-CN": "缴费账单", "en": "Contribution bills"},
    "bills.page": {
        "zh-CN": "第 {page} / {pages} 页，共 {total} 笔",
        "en": "Page {page} of {pages}, {total} bills",
    },
    "bills.empty": {"zh-CN": "没有符合条件的账单。", "en": "No bills match."},
    "bills.month": {"zh-CN": "月份", "en": "Month"},
    "bills.through": {"zh-CN": "截至 {month}", "en": "up to {month}"},
    "bills.subsidised": {"zh-CN": "享受补贴", "en": "Subsidised"},
    "bills.due": {"zh-CN": "应缴（元）", "en": "Due (yuan)"},
    "bills.paid": {"zh-CN": "实缴（元）", "en": "Paid (yuan)"},
    "bills.subsidy": {"zh-CN": "补贴（元）", "en": "Subsidy (yuan)"},
    "bills.outstanding": {"zh-CN": "欠缴（元）", "en": "Owed (yuan)"},
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
