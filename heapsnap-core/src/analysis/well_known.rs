//! The few names DevTools' rules compare node and edge names with (`Array`, `elements`,
//! `system / NativeContext`, …), found once as string indices, so the passes over every node
//! or edge compare numbers instead of reading the string table at random.
//!
//! Names are matched on their raw (still JSON-escaped) bytes, as the rules always did.

use crate::Snapshot;

/// A name some rule looks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Name {
    Array,
    Elements,
    ExternalStringData,
    JsArrayBufferData,
    MapDescriptors,
    NativeContext,
    SloppyFunctionMap,
}

impl Name {
    const ALL: [Name; 7] = [
        Name::Array,
        Name::Elements,
        Name::ExternalStringData,
        Name::JsArrayBufferData,
        Name::MapDescriptors,
        Name::NativeContext,
        Name::SloppyFunctionMap,
    ];

    fn text(self) -> &'static [u8] {
        match self {
            Name::Array => b"Array",
            Name::Elements => b"elements",
            Name::ExternalStringData => b"system / ExternalStringData",
            Name::JsArrayBufferData => b"system / JSArrayBufferData",
            Name::MapDescriptors => b"(map descriptors)",
            Name::NativeContext => b"system / NativeContext",
            Name::SloppyFunctionMap => b"sloppy_function_map",
        }
    }
}

/// The string indices of each [`Name`] (V8 stores each text once, so there is usually one).
pub struct WellKnown {
    indices: Vec<Vec<u32>>,
}

impl WellKnown {
    /// Looks every name up in one pass over the string table (strings appended by the
    /// "Detached " rename included).
    pub fn find(s: &Snapshot) -> WellKnown {
        let texts: Vec<&[u8]> = Name::ALL.iter().map(|n| n.text()).collect();
        WellKnown { indices: s.strings.indices_of(&texts) }
    }

    /// Whether string `index` is `name`.
    #[inline]
    pub fn is(&self, name: Name, index: u32) -> bool {
        self.indices[name as usize].contains(&index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StringTable;

    #[test]
    fn finds_every_copy_of_each_name_and_nothing_else() {
        let mut s = Snapshot {
            strings: StringTable::from_strings(&["", "Array", "elements", "Arrays", "Array", "array", "x"]),
            ..Default::default()
        };
        let appended = s.strings.push_string("system / NativeContext");
        let w = WellKnown::find(&s);
        let array: Vec<u32> = (0..10).filter(|&i| w.is(Name::Array, i)).collect();
        assert_eq!(array, vec![1, 4]);
        assert!(w.is(Name::Elements, 2) && !w.is(Name::Elements, 1));
        assert!(w.is(Name::NativeContext, appended));
        assert!(!(0..10).any(|i| w.is(Name::SloppyFunctionMap, i)));
    }
}
