"""The enumerations of the normative-document register (CASE_FORMAT §3), without the store:
the rules' fact catalogue reads them when a rulebook is built, and `yifa check` must stay light."""

KINDS = ("regular", "provisional", "trial")
STATUSES = ("in_force", "amended", "repealed", "expired")
SETS = ("licence", "penalty", "compulsory_measure", "fee", "reduces_rights", "adds_obligations")

# word → (Chinese, English): the register's pages and the rules' messages name a word by these
KIND_NAMES = {"regular": ("常规", "Regular"), "provisional": ("暂行", "Provisional"), "trial": ("试行", "Trial")}
STATUS_NAMES = {"in_force": ("现行有效", "In force"), "amended": ("已修改", "Amended"),
                "repealed": ("已废止", "Repealed"), "expired": ("已失效", "Expired")}
SETS_NAMES = {"licence": ("行政许可", "Licence"), "penalty": ("行政处罚", "Penalty"),
              "compulsory_measure": ("行政强制措施", "Compulsory measure"), "fee": ("收费", "Fee"),
              "reduces_rights": ("减损权利", "Reduces rights"), "adds_obligations": ("增加义务", "Adds obligations")}
NAMES = {**KIND_NAMES, **STATUS_NAMES, **SETS_NAMES}


def word_label(word: str) -> tuple[str, str]:
    """A register word's name (Chinese, English); an unknown word is shown as it is."""
    return NAMES.get(word, (word, word))
