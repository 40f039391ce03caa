"""职业伤害保障: occupational-injury protection for platform workers. Platforms pay a premium for
every order (按单计费、按月缴费、每单必保、每人必保); a worker hurt while performing an order is
covered by the platform whose order was running. ``service.py`` is the way in."""
