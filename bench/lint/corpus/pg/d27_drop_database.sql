DROP DATABASE legacy_reporting;
