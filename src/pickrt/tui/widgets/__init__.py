"""Small widgets of the wizard: they display what they are given and hold no engine logic."""
