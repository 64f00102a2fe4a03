//! A streamed OpenAI chat-completions chunk, read without building a `serde_json::Value`.
//!
//! A chunk is parsed once per upstream SSE event, so it is the hottest parse on a streamed turn:
//! the text fields borrow from the event's buffer (a `Cow` owns only when the JSON string held
//! escapes), and fields a turn never reads are skipped without allocating. Every field is
//! lenient as the `Value` reading was: a field of an unexpected type counts as absent, so one
//! odd provider extension never fails a chunk.

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use std::borrow::Cow;

/// One chunk (or a whole non-streamed reply, whose `message` reads as the delta).
#[derive(Debug, Default, Deserialize)]
pub(super) struct ChunkIn<'a> {
    /// The choices; only the first is read.
    #[serde(default, borrow, deserialize_with = "lenient_seq")]
    pub choices: Vec<ChoiceIn<'a>>,
    /// Token usage (the last chunk).
    #[serde(default)]
    pub usage: Option<Value>,
    /// An error object some servers send mid-stream.
    #[serde(default)]
    pub error: Option<Value>,
}

/// A choice of a chunk.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ChoiceIn<'a> {
    /// What this chunk adds (`message` in a non-streamed reply).
    #[serde(default, borrow, alias = "message", deserialize_with = "lenient_delta")]
    pub delta: DeltaIn<'a>,
    /// Why the reply ended, on its last chunk.
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    pub finish_reason: Option<Cow<'a, str>>,
}

/// The text, reasoning and tool-call fragments of a chunk.
#[derive(Debug, Default, Deserialize)]
pub(super) struct DeltaIn<'a> {
    /// Assistant text.
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    pub content: Option<Cow<'a, str>>,
    /// Reasoning text (DeepSeek, Qwen, vLLM).
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    pub reasoning_content: Option<Cow<'a, str>>,
    /// Reasoning text (OpenRouter, Ollama).
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    pub reasoning: Option<Cow<'a, str>>,
    /// Tool-call fragments.
    #[serde(default, borrow, deserialize_with = "lenient_seq")]
    pub tool_calls: Vec<ToolCallIn<'a>>,
}

/// A tool-call fragment.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ToolCallIn<'a> {
    /// Which call this fragment belongs to.
    #[serde(default, deserialize_with = "lenient_u64")]
    pub index: Option<u64>,
    /// The call's id (its first fragment).
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    pub id: Option<Cow<'a, str>>,
    /// Name and argument text.
    #[serde(default, borrow, deserialize_with = "lenient_function")]
    pub function: FunctionIn<'a>,
}

/// The function part of a tool-call fragment.
#[derive(Debug, Default, Deserialize)]
pub(super) struct FunctionIn<'a> {
    /// The tool's name (its first fragment).
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    pub name: Option<Cow<'a, str>>,
    /// A piece of the JSON arguments.
    #[serde(default, borrow, deserialize_with = "lenient_str")]
    pub arguments: Option<Cow<'a, str>>,
}

/// Visitor methods for every JSON value a lenient field ignores (consuming nested ones).
macro_rules! absent_otherwise {
    () => {
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
            while a.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
            while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    };
}

/// A string, borrowed when it can be; any other JSON value reads as absent.
fn lenient_str<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'a, str>>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<Cow<'de, str>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Borrowed(s)))
        }
        fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(s.to_string())))
        }
        fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(s)))
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        absent_otherwise!();
    }
    d.deserialize_any(V)
}

/// A non-negative integer; any other JSON value reads as absent.
fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<u64>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_u64<E>(self, n: u64) -> Result<Self::Value, E> {
            Ok(Some(n))
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok(None)
        }
        absent_otherwise!();
    }
    d.deserialize_any(V)
}

/// An object read as `T`; null or any non-object value reads as `T::default()`.
fn lenient_object<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<MaybeObject<T>>::deserialize(d)?
        .and_then(|m| m.0)
        .unwrap_or_default())
}

fn lenient_delta<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<DeltaIn<'a>, D::Error> {
    lenient_object(d)
}

fn lenient_function<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<FunctionIn<'a>, D::Error> {
    lenient_object(d)
}

/// An array of `T`; null or any non-array value reads as empty.
fn lenient_seq<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct V<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::new();
            while let Some(x) = a.next_element()? {
                out.push(x);
            }
            Ok(out)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Vec<T>, A::Error> {
            while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(Vec::new())
        }
        fn visit_bool<E>(self, _: bool) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_i64<E>(self, _: i64) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_u64<E>(self, _: u64) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_f64<E>(self, _: f64) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_str<E>(self, _: &str) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_unit<E>(self) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_none<E>(self) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
    }
    d.deserialize_any(V(std::marker::PhantomData))
}

/// An object as `Some(T)`, any other value as `None` (consumed).
struct MaybeObject<T>(Option<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for MaybeObject<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = MaybeObject<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(a))
                    .map(|t| MaybeObject(Some(t)))
            }
            fn visit_borrowed_str<E>(self, _: &'de str) -> Result<Self::Value, E> {
                Ok(MaybeObject(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(MaybeObject(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(MaybeObject(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(MaybeObject(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(MaybeObject(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(MaybeObject(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(MaybeObject(None))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(MaybeObject(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(MaybeObject(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_borrows_from_the_event_and_escapes_are_decoded() {
        let data = r#"{"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"tok"},"logprobs":null,"finish_reason":null}]}"#;
        let c: ChunkIn = serde_json::from_str(data).unwrap();
        assert!(matches!(
            c.choices[0].delta.content,
            Some(Cow::Borrowed("tok"))
        ));
        let c: ChunkIn =
            serde_json::from_str(r#"{"choices":[{"delta":{"content":"a\"b"}}]}"#).unwrap();
        assert_eq!(c.choices[0].delta.content.as_deref(), Some("a\"b"));
    }

    #[test]
    fn odd_types_read_as_absent_instead_of_failing_the_chunk() {
        let data = r#"{"choices":[{"delta":{"content":["x"],"reasoning":{"text":"r"},"tool_calls":{"a":1}},"finish_reason":7}],"usage":null}"#;
        let c: ChunkIn = serde_json::from_str(data).unwrap();
        let d = &c.choices[0].delta;
        assert!(d.content.is_none() && d.reasoning.is_none() && d.tool_calls.is_empty());
        assert!(c.choices[0].finish_reason.is_none());
        let c: ChunkIn =
            serde_json::from_str(r#"{"choices":null,"error":{"message":"m"}}"#).unwrap();
        assert!(c.choices.is_empty() && c.error.is_some());
        for odd in [
            r#"{"choices":[{"delta":null}]}"#,
            r#"{"choices":[{"message":"s"}]}"#,
        ] {
            let c: ChunkIn = serde_json::from_str(odd).unwrap();
            assert!(c.choices[0].delta.content.is_none());
        }
        let c: ChunkIn = serde_json::from_str(
            r#"{"choices":[{"delta":{"tool_calls":[{"index":"0","id":5,"function":"f"}]}}]}"#,
        )
        .unwrap();
        let t = &c.choices[0].delta.tool_calls[0];
        assert!(t.index.is_none() && t.id.is_none() && t.function.name.is_none());
    }

    #[test]
    fn a_non_streamed_message_reads_as_the_delta() {
        let v = serde_json::json!({"choices":[{"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]});
        let c = ChunkIn::deserialize(&v).unwrap();
        assert_eq!(c.choices[0].delta.content.as_deref(), Some("hi"));
        assert_eq!(c.choices[0].finish_reason.as_deref(), Some("stop"));
    }

    #[test]
    fn not_json_is_still_an_error() {
        assert!(serde_json::from_str::<ChunkIn>("{not json").is_err());
    }
}
