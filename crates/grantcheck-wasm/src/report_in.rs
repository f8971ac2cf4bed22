//! Reads a report (DESIGN §4.2) given back by JavaScript, for `toSarif(report)`: the core's
//! report types read back exactly what `check()` wrote, and anything else is refused with
//! serde's message (the field and the place).

use grantcheck::Report;

pub fn parse(json: &str) -> Result<Report, String> {
    serde_json::from_str(json).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use grantcheck::{Options, SourceFile, check};

    use super::parse;

    #[test]
    fn a_report_reads_back_equal() {
        let plan = r#"{"format_version":"1.2","resource_changes":[{"address":"aws_secretsmanager_secret_policy.p","type":"aws_secretsmanager_secret_policy","name":"p","change":{"actions":["create"],"after":{"policy":"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"secretsmanager:GetSecretValue\",\"Resource\":\"*\"}]}"}}}]}"#;
        let sources = [
            SourceFile::new(0, "plan.json", plan),
            SourceFile::new(1, "bad.json", "{"),
        ];
        let options = Options {
            utf16: true,
            ..Options::default()
        };
        let report = check(&sources, &options);
        assert!(!report.findings.is_empty());
        let json = serde_json::to_string(&report).unwrap_or_default();
        assert_eq!(parse(&json), Ok(report));
    }

    #[test]
    fn a_wrong_severity_is_refused_with_its_place() {
        let json = r#"{"version":1,"tool":{"name":"grantcheck","version":"0"},"findings":[{"rule":"XA001","name":"x","severity":"fatal","message":"","help":"","resource":"","related":[],"location":null}],"summary":{"files":0,"resources":0,"policies":0,"errors":0,"warnings":0,"notes":0}}"#;
        let err = parse(json).err().unwrap_or_default();
        assert!(err.contains("unknown variant `fatal`"), "{err}");
        assert!(err.contains("column"), "the message gives the place: {err}");
    }

    #[test]
    fn a_rule_code_outside_the_catalogue_is_refused() {
        let json = r#"{"version":1,"tool":{"name":"grantcheck","version":"0"},"findings":[{"rule":"XA999","name":"x","severity":"error","message":"","help":"","resource":"","related":[],"location":null}],"summary":{"files":0,"resources":0,"policies":0,"errors":0,"warnings":0,"notes":0}}"#;
        let err = parse(json).err().unwrap_or_default();
        assert!(err.contains("unknown rule code `XA999`"), "{err}");
    }

    #[test]
    fn something_else_is_refused() {
        assert!(parse(r#"{"findings": 3}"#).is_err());
        assert!(parse("[]").is_err());
    }
}
