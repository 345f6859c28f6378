"""kefu-xl: customer-service reward, penalty, scoring and pay rules for Excel and the command line."""
__version__ = "0.1.0"
