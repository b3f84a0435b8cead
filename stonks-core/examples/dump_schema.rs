fn main() { print!("{}", stonks_core::manifest::schema_json()); }
