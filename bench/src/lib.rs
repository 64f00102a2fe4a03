//! Mock model upstream and benchmark support for clawgate.
