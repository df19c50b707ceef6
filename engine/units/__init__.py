"""Units: the district government, its departments, townships and streets, as a tree. Every case,
document, penalty record and catalogue item belongs to one; a user holds roles in units, over the
unit alone or over its whole subtree (a district justice bureau's reviewer, an auditor)."""
