//! Who owns what: the accounts a resource lives in, from options, provider configuration,
//! caller identity and ARNs of existing resources.

use crate::base::value::Node;
use crate::model::{Infrastructure, Resource};
use crate::policy::parse_arn;

/// The owner accounts of a resource, in the order they were learnt.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Owners {
    pub accounts: Vec<String>,
    /// The `data "aws_caller_identity"` sources read with the same provider configuration
    /// (addresses without instance keys): their `account_id` is the owner account, and their
    /// `arn` a principal of it, whatever the values are.
    pub caller_identities: Vec<String>,
}

impl Owners {
    pub fn is_known(&self) -> bool {
        !self.accounts.is_empty()
    }

    pub fn contains(&self, account: &str) -> bool {
        self.accounts.iter().any(|a| a == account)
    }

    /// Does a reference name the owner account (or a principal in it) through a caller
    /// identity of the same provider configuration?
    pub fn is_caller_identity(&self, r: &crate::base::value::Ref) -> bool {
        self.caller_identities.contains(&r.address)
            && r.attr
                .as_deref()
                .is_none_or(|a| matches!(a, "account_id" | "arn" | "id" | "user_id"))
    }

    fn add(&mut self, account: &str) {
        if !self.contains(account) {
            self.accounts.push(account.to_string());
        }
    }
}

/// The owner accounts of `res`: `--account`, its own ARN, its provider's `allowed_account_ids`,
/// and caller identities or ARNs seen for the same provider.
pub fn owners_of(infra: &Infrastructure, accounts: &[String], res: &Resource) -> Owners {
    let mut o = Owners::default();
    for a in accounts {
        o.add(a);
    }
    let own_arn = res
        .current_attr("arn")
        .or_else(|| res.before_attr("arn"))
        .and_then(Node::as_str)
        .and_then(|s| parse_arn(s).and_then(|a| a.account_ok()));
    if let Some(a) = own_arn {
        o.add(&a);
    }
    let key = provider_key(infra, res);
    for (_, d) in infra.of_type(crate::model::Mode::Data, "aws_caller_identity") {
        if provider_key(infra, d) == key && !o.caller_identities.contains(&d.base_address) {
            o.caller_identities.push(d.base_address.clone());
        }
    }
    if let Some(p) = key.as_deref().and_then(|k| infra.providers.get(k)) {
        for a in &p.allowed_account_ids {
            o.add(a);
        }
    }
    if !o.is_known() {
        for h in &infra.account_hints {
            let same_provider = match (&h.provider_key, &key) {
                (Some(hk), Some(k)) => hk == k,
                _ => true,
            };
            if same_provider {
                o.add(&h.account);
            }
        }
    }
    o
}

/// The account of an identity resource: its ARN's, else the one account its provider
/// configuration names (`allowed_account_ids`, or the account of `assume_role.role_arn`),
/// else its only owner account.
pub fn identity_account(
    infra: &Infrastructure,
    accounts: &[String],
    res: &Resource,
) -> Option<String> {
    let own = res
        .current_attr("arn")
        .or_else(|| res.before_attr("arn"))
        .and_then(Node::as_str)
        .and_then(|t| parse_arn(t).and_then(|a| a.account_ok()));
    if own.is_some() {
        return own;
    }
    let key = provider_key(infra, res);
    if let Some(p) = key.as_deref().and_then(|k| infra.providers.get(k))
        && let [one] = p.allowed_account_ids.as_slice()
    {
        return Some(one.clone());
    }
    if let Some(k) = &key {
        let mut hinted = infra
            .account_hints
            .iter()
            .filter(|h| h.provider_key.as_deref() == Some(k.as_str()))
            .map(|h| h.account.as_str());
        if let Some(first) = hinted.next()
            && hinted.all(|a| a == first)
        {
            return Some(first.to_string());
        }
    }
    match owners_of(infra, accounts, res).accounts.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// The provider configuration a resource uses, falling back from `module.m:aws` to `aws`.
pub fn provider_key(infra: &Infrastructure, res: &Resource) -> Option<String> {
    let key = res
        .provider_key
        .clone()
        .unwrap_or_else(|| "aws".to_string());
    if infra.providers.contains_key(&key) {
        return Some(key);
    }
    let short = key.rsplit(':').next().unwrap_or(&key).to_string();
    if infra.providers.contains_key(&short) {
        return Some(short);
    }
    infra
        .providers
        .contains_key("aws")
        .then(|| "aws".to_string())
}

/// The Region a resource lives in, and whether it was read from a value the plan marks
/// sensitive: such a Region is used like any other, but never shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    pub name: String,
    pub sensitive: bool,
}

impl Region {
    /// The Region as a message shows it: its name, or `<region>` when the plan marks the value
    /// it was read from sensitive.
    pub fn shown(&self) -> &str {
        if self.sensitive {
            "<region>"
        } else {
            &self.name
        }
    }
}

/// The region a resource lives in, when known: its `region`, the Region of its ARN, or its
/// provider's.
pub fn region_of(infra: &Infrastructure, res: &Resource) -> Option<Region> {
    if let Some(n) = res.current_attr("region")
        && let Some(r) = n.as_str()
        && !r.is_empty()
    {
        return Some(Region {
            name: r.to_string(),
            sensitive: n.sensitive,
        });
    }
    if let Some(n) = res.current_attr("arn")
        && let Some(a) = n.as_str()
        && let Some(arn) = parse_arn(a)
        && !arn.region.is_empty()
    {
        return Some(Region {
            name: arn.region.to_string(),
            sensitive: n.sensitive,
        });
    }
    let key = provider_key(infra, res)?;
    let provider = infra.providers.get(&key)?;
    Some(Region {
        name: provider.region.clone()?,
        sensitive: provider.region_sensitive,
    })
}
