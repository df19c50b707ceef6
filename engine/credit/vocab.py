"""The enumerations of the administrative-penalty register (CASE_FORMAT §4) and the credit scan (§6),
without the store: the rules' fact catalogue reads them when a rulebook is built."""

CATEGORIES = ("minor", "general", "severe", "specified_severe")
REPAIR_RESULTS = ("granted", "refused")
MISSING = ("min_period", "fulfilment", "commitment", "training", "credit_report")
MATERIALS = ("fulfilment", "commitment", "training", "credit_report")
ACTIONS = ("chase_fulfilment", "notify_party", "process_application", "withdraw_publication", "take_down")
ACTION_NAMES = {  # a follow-up action (CASE_FORMAT §6): (Chinese, English)
    "chase_fulfilment": ("督促履行", "Chase performance"),
    "notify_party": ("告知可申请修复", "Tell the party it may apply"),
    "process_application": ("办理修复申请", "Decide the application"),
    "withdraw_publication": ("撤回公示信息", "Withdraw the publication"),
    "take_down": ("撤下公示信息", "Take the publication down")}
REGIME_DATES = ("decided_on", "repair_applied_on")
REGIMES = ("1171-2017", "527-2019", "order58-2023", "order36-2025")   # CASE_FORMAT §6

# word → (Chinese, English): a Chinese message names a word by its label, never by the code
# (engine/core/findings.py). A regime is named by its document number, as its rule file gives it
# (`instrument.number`; tests/unit/test_message_labels.py holds the two equal).
CATEGORY_NAMES = {"minor": ("轻微失信", "minor"), "general": ("一般失信", "general"), "severe": ("严重失信", "severe"),
                  "specified_severe": ("特定严重失信", "specified severe")}
RESULT_NAMES = {"granted": ("准予修复", "granted"), "refused": ("不予修复", "refused")}
MISSING_NAMES = {"min_period": ("最短公示期未满", "minimum period not yet served"),
                 "fulfilment": ("处罚义务未履行完毕", "penalty not yet performed"),
                 "commitment": ("未作出信用承诺", "no credit commitment"),
                 "training": ("未参加信用修复培训", "no credit-repair training"),
                 "credit_report": ("未提交信用报告", "no credit report")}
REGIME_NAMES = {"1171-2017": ("发改办财金〔2017〕1171号", "NDRC notice 1171 (2017)"),
                "527-2019": ("发改办财金〔2019〕527号", "NDRC notice 527 (2019)"),
                "order58-2023": ("国家发展和改革委员会令2023年第58号", "NDRC Order No. 58 (2023)"),
                "order36-2025": ("国家发展和改革委员会令2025年第36号", "NDRC Order No. 36 (2025)")}
NAMES = {**CATEGORY_NAMES, **RESULT_NAMES, **MISSING_NAMES, **REGIME_NAMES}


def word_label(word: str) -> tuple[str, str]:
    """A register or scan word's name (Chinese, English); an unknown word is shown as it is."""
    return NAMES.get(word, (word, word))
