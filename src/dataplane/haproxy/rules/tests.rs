use super::*;
use crate::dataplane::haproxy::config::FrontendPool;

fn acl(id: &str, host: Option<&str>, path: Option<&str>) -> FrontendPool {
    FrontendPool {
        pool_uuid: id.into(),
        rule: PoolRule::Acl {
            host: host.map(Into::into),
            path: path.map(Into::into),
        },
        origin: None,
    }
}

fn default(id: &str) -> FrontendPool {
    FrontendPool {
        pool_uuid: id.into(),
        rule: PoolRule::Default,
        origin: None,
    }
}

fn fe(pools: Vec<FrontendPool>) -> Frontend {
    Frontend {
        listener_uuid: "l".into(),
        port: 80,
        pools,
        tls: None,
    }
}

fn fanout() -> Frontend {
    fe(vec![
        acl("dev", Some("www.juniper.net"), Some("/dev")),
        acl("qa", Some("www.juniper.net"), Some("/qa")),
    ])
}

const J: Option<&str> = Some("www.juniper.net");

#[test]
fn path_is_exact() {
    let f = fanout();
    assert_eq!(select_pool(&f, J, "/dev"), Some("dev"));
    assert_eq!(select_pool(&f, J, "/qa"), Some("qa"));
    assert_eq!(select_pool(&f, J, "/dev/"), None);
    assert_eq!(select_pool(&f, J, "/dev/x"), None);
    assert_eq!(select_pool(&f, J, "/devx"), None);
    assert_eq!(select_pool(&f, J, "/abc"), None);
    assert_eq!(select_pool(&f, J, "/"), None);
}

#[test]
fn slash_matches_only_slash() {
    let f = fe(vec![acl("root", J, Some("/"))]);
    assert_eq!(select_pool(&f, J, "/"), Some("root"));
    assert_eq!(select_pool(&f, J, "/other"), None);
    assert_eq!(select_pool(&f, J, "//"), None);
}

#[test]
fn path_is_case_sensitive() {
    let f = fanout();
    assert_eq!(select_pool(&f, J, "/Dev"), None);
    assert_eq!(select_pool(&f, J, "/DEV"), None);
}

#[test]
fn query_is_not_part_of_the_path() {
    let f = fanout();
    let (path, query) = split_target("/dev?x=1&y=/qa");
    assert_eq!((path, query), ("/dev", Some("x=1&y=/qa")));
    assert_eq!(select_pool(&f, J, path), Some("dev"));
    assert_eq!(split_target("/dev?"), ("/dev", Some("")));
    assert_eq!(split_target("/dev"), ("/dev", None));
    assert_eq!(split_target("/a?b?c"), ("/a", Some("b?c")));
}

#[test]
fn absolute_form_target() {
    assert_eq!(
        split_target("http://www.juniper.net/dev?q"),
        ("/dev", Some("q"))
    );
    assert_eq!(split_target("http://www.juniper.net"), ("", None));
    assert_eq!(split_target("/a://b"), ("/a://b", None));
}

#[test]
fn host_is_case_insensitive() {
    let f = fanout();
    assert_eq!(
        select_pool(&f, Some("WWW.Juniper.NET"), "/dev"),
        Some("dev")
    );
    assert_eq!(select_pool(&f, Some("www.JUNIPER.net"), "/qa"), Some("qa"));
}

#[test]
fn host_with_port_does_not_match() {
    let f = fanout();
    assert_eq!(select_pool(&f, Some("www.juniper.net:80"), "/dev"), None);
    assert_eq!(select_pool(&f, Some("www.juniper.net."), "/dev"), None);
    assert_eq!(select_pool(&f, Some("juniper.net"), "/dev"), None);
}

#[test]
fn no_host_fails_host_acls() {
    let f = fanout();
    assert_eq!(select_pool(&f, None, "/dev"), None);
    let vh = fe(vec![default("d"), acl("j", J, Some("/"))]);
    assert_eq!(select_pool(&vh, None, "/"), Some("d"));
    // A request sent to an address carries that address as Host.
    assert_eq!(select_pool(&vh, Some("10.47.255.250"), "/"), Some("d"));
}

#[test]
fn host_header_values_split_at_commas_outside_quotes() {
    assert!(host_acl_matches("a, www.juniper.net", "www.juniper.net"));
    assert!(host_acl_matches(",www.juniper.net,", "www.juniper.net"));
    assert!(host_acl_matches(" \twww.juniper.net\t ", "www.juniper.net"));
    assert!(host_acl_matches("\"a\",www.juniper.net", "www.juniper.net"));
    assert!(!host_acl_matches(
        "\"a,www.juniper.net\"",
        "www.juniper.net"
    ));
    assert!(!host_acl_matches(
        "\"a\\\",www.juniper.net\"",
        "www.juniper.net"
    ));
    assert!(!host_acl_matches("", "www.juniper.net"));
    let vals: Vec<_> = header_values("a , \"b,c\" ,,d").collect();
    assert_eq!(vals, ["a", "\"b,c\"", "", "d"]);
}

#[test]
fn host_only_and_path_only_rules() {
    let f = fe(vec![acl("h", J, None), acl("p", None, Some("/qa"))]);
    assert_eq!(select_pool(&f, J, "/anything"), Some("h"));
    assert_eq!(select_pool(&f, Some("x"), "/qa"), Some("p"));
    assert_eq!(select_pool(&f, None, "/qa"), Some("p"));
    assert_eq!(select_pool(&f, Some("x"), "/dev"), None);
}

#[test]
fn rule_without_conditions_never_matches() {
    let f = fe(vec![acl("empty", None, None), default("d")]);
    assert_eq!(select_pool(&f, J, "/"), Some("d"));
    assert_eq!(
        select_pool(&fe(vec![acl("empty", None, None)]), J, "/"),
        None
    );
}

#[test]
fn first_match_wins_in_file_order() {
    let f = fe(vec![
        acl("a", J, Some("/x")),
        acl("b", None, Some("/x")),
        acl("c", J, None),
    ]);
    assert_eq!(select_pool(&f, J, "/x"), Some("a"));
    assert_eq!(select_pool(&f, Some("other"), "/x"), Some("b"));
    assert_eq!(select_pool(&f, J, "/y"), Some("c"));
}

#[test]
fn use_backend_beats_an_earlier_default() {
    let f = fe(vec![default("d"), acl("j", J, Some("/"))]);
    assert_eq!(select_pool(&f, J, "/"), Some("j"));
    assert_eq!(select_pool(&f, J, "/other"), Some("d"));
    assert_eq!(select_pool(&f, Some("www.google.com"), "/"), Some("d"));
}

#[test]
fn last_default_backend_wins() {
    let f = fe(vec![default("d1"), acl("j", J, Some("/")), default("d2")]);
    assert_eq!(select_pool(&f, Some("x"), "/"), Some("d2"));
}

#[test]
fn nothing_matches_means_503() {
    assert_eq!(select_pool(&fanout(), Some("www.cisco.com"), "/dev"), None);
    assert_eq!(select_pool(&fe(vec![]), J, "/"), None);
    assert!(HTTP_503_RESPONSE.starts_with(HTTP_503_STATUS_LINE));
    assert!(HTTP_503_RESPONSE.ends_with(HTTP_503_BODY));
    assert_eq!(HTTP_503_BODY.len(), 107);
}
