"""The three roles of the site, as Django groups. Created by migration accounts.0002."""

CUSTOMERS = "Customers"
MODERATORS = "Moderators"
SUPPORT_STAFF = "Support staff"
ALL_ROLES = (CUSTOMERS, MODERATORS, SUPPORT_STAFF)
