//! A reader for the plan's long members (`resource_changes`, `planned_values`, `prior_state`,
//! `configuration`) that walks the bytes once: it checks the JSON as strictly as serde_json does, takes the few
//! members grantcheck reads as slices of the text and steps over everything else.
//!
//! serde's derived readers spend about twice the time of merely checking the JSON on these
//! members (field by field matching through visitors); this reader is close to the check alone.
//! It gives up (`None`) wherever it would not read exactly what serde reads: an escaped key of
//! an object whose members it reads, a repeated member, a member of another type, nesting
//! deeper than [`MAX_DEPTH`]. The caller then reads the plan with serde, which gives the result
//! or the error it always gave. (Values it steps over are only checked, keys and all, as serde
//! steps over them.)

use std::borrow::Cow;

use crate::base::hash::HashMap;
use crate::base::source::TextFacts;

use crate::terraform::plan::configuration::{
    ConfigResource, Configuration, ModuleCall, ModuleConfig, OutputConfig, ProviderConfig,
    VariableConfig,
};
use crate::terraform::plan::marks::Marks;
use crate::terraform::plan::{
    Change, Changes, Prior, Raw, ResourceChange, StateModule, StateOutput, StateResource,
    StateValues, Text,
};

/// Nesting deeper than this, counted from the plan's own object, is left to serde, which
/// steps over what it does not read without recursion: this reader recurses once per level.
const MAX_DEPTH: u32 = 100;

/// A position in the plan's text, inside `depth` arrays and objects.
pub(in crate::terraform::plan) struct Skim<'a> {
    text: &'a str,
    pos: usize,
    depth: u32,
    /// What the bytes read so far hold (every byte read passes through [`Skim::peek`] or
    /// [`Skim::string`], or is a byte of punctuation, a number or a word).
    shape: TextFacts,
}

impl<'a> Skim<'a> {
    /// Reads from the start of `text`, which is inside `depth` arrays and objects.
    pub(in crate::terraform::plan) fn new(text: &'a str, depth: u32) -> Self {
        Skim {
            text,
            pos: 0,
            depth,
            shape: TextFacts::default(),
        }
    }

    /// What the bytes read so far hold.
    pub(in crate::terraform::plan) fn shape(&self) -> TextFacts {
        self.shape
    }

    /// How far the reading has come.
    pub(in crate::terraform::plan) fn pos(&self) -> usize {
        self.pos
    }

    /// The next byte past whitespace (left unread).
    #[inline]
    fn peek(&mut self) -> Option<u8> {
        let bytes = self.text.as_bytes();
        // most often the next byte is not whitespace: one comparison settles it
        if let Some(&b) = bytes.get(self.pos)
            && b > b' '
        {
            return Some(b);
        }
        while let Some(&b) = bytes.get(self.pos) {
            match b {
                b'\n' => self.shape.newline = true,
                b' ' | b'\r' | b'\t' => {}
                _ => return Some(b),
            }
            self.pos += 1;
        }
        None
    }

    #[inline]
    fn eat(&mut self, b: u8) -> Option<()> {
        (self.peek()? == b).then(|| self.pos += 1)
    }

    /// A string: its text between the quotes, and whether that holds escapes.
    fn string(&mut self) -> Option<(&'a str, bool)> {
        let (start, end, escaped) = self.scan_string()?;
        Some((self.text.get(start..end)?, escaped))
    }

    /// Steps over a string, checking it, where its text is not wanted.
    fn skip_string(&mut self) -> Option<()> {
        self.scan_string().map(drop)
    }

    /// A string: where its text between the quotes starts and ends, and whether that holds
    /// escapes.
    #[inline(always)]
    fn scan_string(&mut self) -> Option<(usize, usize, bool)> {
        self.eat(b'"')?;
        let bytes = self.text.as_bytes();
        let start = self.pos;
        let mut escaped = false;
        loop {
            // (past the first byte beyond ASCII, such bytes need not stop the search)
            let at = if self.shape.wide {
                crate::base::json::special(bytes, self.pos)
            } else {
                crate::base::json::special_or::<true>(bytes, self.pos)
            };
            match *bytes.get(at)? {
                b'"' => {
                    self.pos = at + 1;
                    return Some((start, at, escaped));
                }
                b'\\' => {
                    escaped = true;
                    self.pos = at + 2;
                    match *bytes.get(at + 1)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                        b'u' => {
                            // as serde checks a string it steps over: four hex digits
                            let hex = bytes.get(at + 2..at + 6)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return None;
                            }
                            self.pos = at + 6;
                        }
                        _ => return None,
                    }
                }
                0x80.. => {
                    self.shape.wide = true;
                    self.pos = at + 1;
                }
                // a control character, which JSON does not allow unescaped
                _ => return None,
            }
        }
    }

    fn open(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then(|| self.pos += 1)
    }

    /// Steps over one value, checking it.
    pub(in crate::terraform::plan) fn skip(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.skip_string(),
            b'{' => self.members::<false>(|s, _| s.skip()),
            b'[' => self.array(Skim::skip),
            b't' => self.word(b"true"),
            b'f' => self.word(b"false"),
            b'n' => self.word(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn word(&mut self, word: &[u8]) -> Option<()> {
        let end = self.pos + word.len();
        (self.text.as_bytes().get(self.pos..end)? == word).then(|| self.pos = end)
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    fn number(&mut self) -> Option<()> {
        let bytes = self.text.as_bytes();
        let digits = |mut at: usize| {
            while bytes.get(at).is_some_and(u8::is_ascii_digit) {
                at += 1;
            }
            at
        };
        let mut at = self.pos;
        if bytes.get(at) == Some(&b'-') {
            at += 1;
        }
        at = match *bytes.get(at)? {
            b'0' => at + 1,
            b'1'..=b'9' => digits(at + 1),
            _ => return None,
        };
        if bytes.get(at) == Some(&b'.') {
            let end = digits(at + 1);
            if end == at + 1 {
                return None;
            }
            at = end;
        }
        if matches!(bytes.get(at), Some(b'e' | b'E')) {
            at += 1;
            if matches!(bytes.get(at), Some(b'+' | b'-')) {
                at += 1;
            }
            let end = digits(at);
            if end == at {
                return None;
            }
            at = end;
        }
        self.pos = at;
        Some(())
    }

    /// An object, giving each member's key to `member`, which reads its value.
    fn object(&mut self, member: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.members::<true>(member)
    }

    /// An object's members: with `KEYS`, each member's key is given to `member`, which reads
    /// its value; without, the object is stepped over, and `member` is given `""`.
    fn members<const KEYS: bool>(
        &mut self,
        mut member: impl FnMut(&mut Self, &'a str) -> Option<()>,
    ) -> Option<()> {
        if self.peek()? != b'{' {
            return None;
        }
        self.open()?;
        if self.peek()? == b'}' {
            self.pos += 1;
        } else {
            loop {
                let key = if KEYS {
                    let (key, escaped) = self.string()?;
                    // serde matches the decoded key; leave escaped keys to it
                    if escaped {
                        return None;
                    }
                    key
                } else {
                    // (serde steps over any key of a value it does not read)
                    self.skip_string()?;
                    ""
                };
                self.eat(b':')?;
                member(self, key)?;
                match self.peek()? {
                    b',' => self.pos += 1,
                    b'}' => {
                        self.pos += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.depth -= 1;
        Some(())
    }

    /// An array, `item` reading each element.
    fn array(&mut self, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        if self.peek()? != b'[' {
            return None;
        }
        self.open()?;
        if self.peek()? == b']' {
            self.pos += 1;
        } else {
            loop {
                item(self)?;
                match self.peek()? {
                    b',' => self.pos += 1,
                    b']' => {
                        self.pos += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.depth -= 1;
        Some(())
    }

    /// `null` as `None`, anything else as `read` reads it (serde's `Option`).
    pub(in crate::terraform::plan) fn opt<T>(
        &mut self,
        read: impl FnOnce(&mut Self) -> Option<T>,
    ) -> Option<Option<T>> {
        if self.peek()? == b'n' {
            self.word(b"null")?;
            return Some(None);
        }
        read(self).map(Some)
    }

    /// A tree of marks (see [`Marks`]): `true` marks, objects and arrays mark parts, any
    /// other value marks nothing.
    pub(in crate::terraform::plan) fn marks(&mut self) -> Option<Marks<'a>> {
        match self.peek()? {
            b't' => self.word(b"true").map(|()| Marks::True),
            b'{' => {
                let mut members = Vec::new();
                self.object(|s, key| {
                    members.push((Cow::Borrowed(key), s.marks()?));
                    Some(())
                })?;
                Some(Marks::object(members))
            }
            b'[' => {
                let mut items = Vec::new();
                self.array(|s| {
                    items.push(s.marks()?);
                    Some(())
                })?;
                Some(Marks::Array(items))
            }
            _ => self.skip().map(|()| Marks::Nothing),
        }
    }

    /// Is only whitespace left?
    pub(in crate::terraform::plan) fn at_end(&mut self) -> bool {
        self.peek().is_none()
    }

    /// Any value, as its text.
    fn raw(&mut self) -> Option<Raw<'a>> {
        self.peek()?;
        let start = self.pos;
        self.skip()?;
        Some(Raw::checked(self.text.get(start..self.pos)?))
    }

    fn opt_raw(&mut self) -> Option<Option<Raw<'a>>> {
        self.opt(Skim::raw)
    }

    /// A string, borrowed unless it holds escapes.
    fn text(&mut self) -> Option<Text<'a>> {
        self.peek()?;
        let start = self.pos;
        let (s, escaped) = self.string()?;
        if !escaped {
            return Some(Text(Cow::Borrowed(s)));
        }
        // rare: let serde decode it (and refuse what it refuses, a lone surrogate)
        serde_json::from_str::<String>(self.text.get(start..self.pos)?)
            .ok()
            .map(|s| Text(Cow::Owned(s)))
    }

    fn opt_text(&mut self) -> Option<Option<Text<'a>>> {
        self.opt(Skim::text)
    }

    fn boolean(&mut self) -> Option<bool> {
        match self.peek()? {
            b't' => self.word(b"true").map(|()| true),
            b'f' => self.word(b"false").map(|()| false),
            _ => None,
        }
    }

    /// `resource_changes`, keeping what [`ResourceChange::read_closely`] keeps.
    pub(in crate::terraform::plan) fn changes(&mut self) -> Option<Changes<'a>> {
        let mut out = Changes::default();
        self.array(|s| {
            let rc = s.resource_change()?;
            out.count += 1;
            out.unaddressed |= rc.address.is_none();
            if rc.read_closely() {
                out.kept.push(rc);
            }
            Some(())
        })?;
        out.kept.shrink_to_fit();
        Some(out)
    }

    fn resource_change(&mut self) -> Option<ResourceChange<'a>> {
        let mut rc = ResourceChange {
            address: None,
            mode: None,
            rtype: None,
            deposed: None,
            change: Change::default(),
        };
        let mut seen = Seen::default();
        self.object(|s, key| {
            match key {
                "address" => rc.address = s.once(&mut seen, 0, Skim::opt_raw)?,
                "mode" => rc.mode = s.once(&mut seen, 1, Skim::opt_text)?,
                "type" => rc.rtype = s.once(&mut seen, 2, Skim::opt_text)?,
                "deposed" => rc.deposed = s.once(&mut seen, 3, Skim::opt_text)?,
                "change" => rc.change = s.once(&mut seen, 4, Skim::change)?,
                _ => s.skip()?,
            }
            Some(())
        })?;
        // `change` has no default: serde refuses a change without one
        seen.has(4).then_some(rc)
    }

    fn change(&mut self) -> Option<Change<'a>> {
        let mut c = Change::default();
        let mut seen = Seen::default();
        self.object(|s, key| {
            match key {
                "actions" => c.actions = s.once(&mut seen, 0, Skim::texts)?,
                "before" => c.before = s.once(&mut seen, 1, Skim::opt_raw)?,
                "after" => c.after = s.once(&mut seen, 2, Skim::opt_raw)?,
                "after_unknown" => c.after_unknown = s.once(&mut seen, 3, Skim::opt_raw)?,
                "before_sensitive" => c.before_sensitive = s.once(&mut seen, 4, Skim::opt_raw)?,
                "after_sensitive" => c.after_sensitive = s.once(&mut seen, 5, Skim::opt_raw)?,
                _ => s.skip()?,
            }
            Some(())
        })?;
        Some(c)
    }

    fn texts(&mut self) -> Option<Vec<Text<'a>>> {
        let mut out = Vec::new();
        self.array(|s| {
            out.push(s.text()?);
            Some(())
        })?;
        Some(out)
    }

    /// Reads a member of a struct, refusing one met before (serde's "duplicate field").
    fn once<T>(
        &mut self,
        seen: &mut Seen,
        bit: u8,
        read: impl FnOnce(&mut Self) -> Option<T>,
    ) -> Option<T> {
        if seen.has(bit) {
            return None;
        }
        seen.0 |= 1 << bit;
        read(self)
    }

    /// `planned_values`, or `prior_state.values`.
    pub(in crate::terraform::plan) fn state_values(&mut self) -> Option<StateValues<'a>> {
        let mut v = StateValues {
            outputs: Default::default(),
            root_module: None,
        };
        let mut seen = Seen::default();
        self.object(|s, key| {
            match key {
                "outputs" => v.outputs = s.once(&mut seen, 0, Skim::outputs)?,
                "root_module" => {
                    v.root_module = s.once(&mut seen, 1, |s| s.opt(Skim::state_module))?;
                }
                _ => s.skip()?,
            }
            Some(())
        })?;
        Some(v)
    }

    fn outputs(&mut self) -> Option<std::collections::BTreeMap<Text<'a>, StateOutput<'a>>> {
        let mut out = std::collections::BTreeMap::new();
        self.object(|s, key| {
            let o = s.state_output()?;
            // as serde fills a map: the last of a repeated key stays
            out.insert(Text(Cow::Borrowed(key)), o);
            Some(())
        })?;
        Some(out)
    }

    fn state_output(&mut self) -> Option<StateOutput<'a>> {
        let mut o = StateOutput {
            sensitive: false,
            value: None,
        };
        let mut seen = Seen::default();
        self.object(|s, key| {
            match key {
                "sensitive" => o.sensitive = s.once(&mut seen, 0, Skim::boolean)?,
                "value" => o.value = s.once(&mut seen, 1, Skim::opt_raw)?,
                _ => s.skip()?,
            }
            Some(())
        })?;
        Some(o)
    }

    fn state_module(&mut self) -> Option<StateModule<'a>> {
        let mut m = StateModule {
            resources: Vec::new(),
            child_modules: Vec::new(),
        };
        let mut seen = Seen::default();
        self.object(|s, key| {
            match key {
                "resources" => m.resources = s.once(&mut seen, 0, Skim::state_resources)?,
                "child_modules" => {
                    m.child_modules = s.once(&mut seen, 1, |s| {
                        let mut children = Vec::new();
                        s.array(|s| {
                            children.push(s.state_module()?);
                            Some(())
                        })?;
                        Some(children)
                    })?;
                }
                _ => s.skip()?,
            }
            Some(())
        })?;
        Some(m)
    }

    /// A module's resources, keeping what [`StateResource::read_closely`] keeps.
    fn state_resources(&mut self) -> Option<Vec<StateResource<'a>>> {
        self.kept(Skim::state_resource, StateResource::read_closely)
    }

    /// An array, each element read by `read` and held only if `keep` accepts it.
    fn kept<T>(
        &mut self,
        read: fn(&mut Self) -> Option<T>,
        keep: fn(&T) -> bool,
    ) -> Option<Vec<T>> {
        let mut out = Vec::new();
        self.array(|s| {
            let x = read(s)?;
            if keep(&x) {
                out.push(x);
            }
            Some(())
        })?;
        out.shrink_to_fit();
        Some(out)
    }

    fn state_resource(&mut self) -> Option<StateResource<'a>> {
        let mut r = StateResource {
            address: None,
            mode: None,
            rtype: None,
            values: None,
            sensitive_values: None,
        };
        let mut seen = Seen::default();
        self.object(|s, key| {
            match key {
                "address" => r.address = s.once(&mut seen, 0, Skim::opt_raw)?,
                "mode" => r.mode = s.once(&mut seen, 1, Skim::opt_text)?,
                "type" => r.rtype = s.once(&mut seen, 2, Skim::opt_text)?,
                "values" => r.values = s.once(&mut seen, 3, Skim::opt_raw)?,
                "sensitive_values" => r.sensitive_values = s.once(&mut seen, 4, Skim::opt_raw)?,
                _ => s.skip()?,
            }
            Some(())
        })?;
        Some(r)
    }

    /// `prior_state`.
    pub(in crate::terraform::plan) fn prior(&mut self) -> Option<Prior<'a>> {
        let mut p = Prior { values: None };
        let mut seen = Seen::default();
        self.object(|s, key| {
            match key {
                "values" => p.values = s.once(&mut seen, 0, |s| s.opt(Skim::state_values))?,
                _ => s.skip()?,
            }
            Some(())
        })?;
        Some(p)
    }
}

impl<'a> Skim<'a> {
    /// `configuration`, as [`Configuration`]'s derived reader reads it.
    pub(in crate::terraform::plan) fn configuration(&mut self) -> Option<Configuration<'a>> {
        let mut c = Configuration::default();
        let mut seen = Seen::default();
        self.object(|s, key| {
            match key {
                "provider_config" => {
                    c.provider_config = s.once(&mut seen, 0, |s| s.map(Skim::provider_config))?;
                }
                "root_module" => {
                    c.root_module = s.once(&mut seen, 1, |s| s.opt(Skim::module_config))?;
                }
                _ => s.skip()?,
            }
            Some(())
        })?;
        Some(c)
    }

    /// An object read into a map, as serde fills one: the last of a repeated key stays.
    fn map<T>(
        &mut self,
        mut read: impl FnMut(&mut Self) -> Option<T>,
    ) -> Option<HashMap<String, T>> {
        let mut out = HashMap::default();
        self.object(|s, key| {
            let v = read(s)?;
            out.insert(key.to_string(), v);
            Some(())
        })?;
        Some(out)
    }

    /// A string or `null`, owned.
    fn opt_string(&mut self) -> Option<Option<String>> {
        self.opt(|s| s.text().map(|t| t.0.into_owned()))
    }

    fn provider_config(&mut self) -> Option<ProviderConfig<'a>> {
        let mut p = ProviderConfig {
            name: None,
            module_address: None,
            expressions: None,
        };
        let mut seen = Seen::default();
        self.object(|s, key| {
            match key {
                "name" => p.name = s.once(&mut seen, 0, Skim::opt_string)?,
                "module_address" => p.module_address = s.once(&mut seen, 1, Skim::opt_string)?,
                "expressions" => p.expressions = s.once(&mut seen, 2, Skim::opt_raw)?,
                _ => s.skip()?,
            }
            Some(())
        })?;
        Some(p)
    }

    fn module_config(&mut self) -> Option<ModuleConfig<'a>> {
        let mut m = ModuleConfig::default();
        let mut seen = Seen::default();
        self.object(|s, key| {
            match key {
                "resources" => m.resources = s.once(&mut seen, 0, Skim::config_resources)?,
                "module_calls" => {
                    m.module_calls = s.once(&mut seen, 1, |s| s.map(Skim::module_call))?;
                }
                "outputs" => m.outputs = s.once(&mut seen, 2, |s| s.map(Skim::output_config))?,
                "variables" => {
                    m.variables = s.once(&mut seen, 3, |s| s.map(Skim::variable_config))?;
                }
                _ => s.skip()?,
            }
            Some(())
        })?;
        Some(m)
    }

    /// A module's resources, keeping those [`ConfigResource::is_read`] keeps.
    fn config_resources(&mut self) -> Option<Vec<ConfigResource<'a>>> {
        self.kept(Skim::config_resource, ConfigResource::is_read)
    }

    fn config_resource(&mut self) -> Option<ConfigResource<'a>> {
        let mut r = ConfigResource {
            address: Cow::Borrowed(""),
            rtype: None,
            provider_config_key: None,
            expressions: None,
        };
        let mut seen = Seen::default();
        self.object(|s, key| {
            match key {
                "address" => r.address = s.once(&mut seen, 0, |s| s.text().map(|t| t.0))?,
                "type" => r.rtype = s.once(&mut seen, 1, Skim::opt_text)?,
                "provider_config_key" => {
                    r.provider_config_key = s.once(&mut seen, 2, Skim::opt_text)?;
                }
                "expressions" => r.expressions = s.once(&mut seen, 3, Skim::opt_raw)?,
                _ => s.skip()?,
            }
            Some(())
        })?;
        Some(r)
    }

    fn module_call(&mut self) -> Option<ModuleCall<'a>> {
        let mut c = ModuleCall {
            source: None,
            expressions: None,
            module: None,
        };
        let mut seen = Seen::default();
        self.object(|s, key| {
            match key {
                "source" => c.source = s.once(&mut seen, 0, Skim::opt_string)?,
                "expressions" => c.expressions = s.once(&mut seen, 1, Skim::opt_raw)?,
                "module" => {
                    c.module =
                        s.once(&mut seen, 2, |s| s.opt(|s| s.module_config().map(Box::new)))?;
                }
                _ => s.skip()?,
            }
            Some(())
        })?;
        Some(c)
    }

    fn output_config(&mut self) -> Option<OutputConfig<'a>> {
        let mut o = OutputConfig { expression: None };
        let mut seen = Seen::default();
        self.object(|s, key| {
            match key {
                "expression" => o.expression = s.once(&mut seen, 0, Skim::opt_raw)?,
                _ => s.skip()?,
            }
            Some(())
        })?;
        Some(o)
    }

    fn variable_config(&mut self) -> Option<VariableConfig> {
        let mut v = VariableConfig { sensitive: false };
        let mut seen = Seen::default();
        self.object(|s, key| {
            match key {
                "sensitive" => v.sensitive = s.once(&mut seen, 0, Skim::boolean)?,
                _ => s.skip()?,
            }
            Some(())
        })?;
        Some(v)
    }
}

/// Which members of a struct were met.
#[derive(Default)]
struct Seen(u8);

impl Seen {
    fn has(&self, bit: u8) -> bool {
        self.0 & (1 << bit) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Does the skimmer step over exactly one value where serde_json reads one?
    fn agrees(json: &str) {
        let mut s = Skim::new(json, 0);
        let ours = s.skip().is_some() && {
            s.peek();
            s.pos() == json.len()
        };
        let serde = serde_json::from_str::<serde::de::IgnoredAny>(json).is_ok();
        assert_eq!(ours, serde, "{json:?}");
    }

    #[test]
    fn checks_values_as_serde_json_does() {
        for json in [
            r#"{"a": [1, -2.5e+3, 0, -0, 1E5, true, false, null, "x\"y\\z\/\b\f\n\r\t\u00e9"]}"#,
            r#"  { }  "#,
            "[]",
            r#""a long string with no escapes at all, longer than eight bytes""#,
            r#""\uD83D\uDE00 and a lone \uD800 (serde steps over it too)""#,
            // keys of a value stepped over: escaped, repeated, bad
            r#"{"\u0061rn": 1, "a\"b": {"k": 2, "k": 3}}"#,
            r#"{"\x": 1}"#,
            "{\"a\tb\": 1}",
            "\"caf\u{e9} \u{1F600}\"",
            // refused
            "01",
            "1.",
            ".5",
            "1e",
            "-",
            "+1",
            "[1,]",
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{1: 2}"#,
            "[1 2]",
            "tru",
            "nul",
            "\"\\x\"",
            "\"\\u12g4\"",
            "\"a\tb\"",
            "\"a\nb\"",
            "\"\u{1f}\"",
            "\"unterminated",
            "\"ends in a backslash\\",
            "[",
            "{",
            "",
        ] {
            agrees(json);
        }
        // a control character at every place of the eight-byte scan
        for at in 0..20 {
            let mut s = "x".repeat(20);
            s.replace_range(at..at + 1, "\u{7}");
            agrees(&format!("\"{s}\""));
            s.replace_range(at..at + 1, "\"");
            agrees(&format!("\"{s}\""));
        }
    }

    #[test]
    fn deep_nesting_is_left_to_serde() {
        let deep = format!("{}{}", "[".repeat(99), "]".repeat(99));
        assert!(Skim::new(&deep, 0).skip().is_some());
        let deeper = format!("{}{}", "[".repeat(101), "]".repeat(101));
        assert!(Skim::new(&deeper, 0).skip().is_none());
    }
}
