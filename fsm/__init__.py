"""What the system is: component lifecycles, protocol steps and releases."""
