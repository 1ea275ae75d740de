// Every function and method of the module is a METH_FASTCALL builtin whose arguments are
// matched against interned names by FastSignature, instead of going through pybind11's
// dispatcher. Two reasons:
// - Secrets. When pybind11 cannot match a call it raises "incompatible function
//   arguments ... Invoked with: <repr of every argument>", which would put keys, codes
//   and tokens into error messages and logs. FastSignature's errors name parameters,
//   never values, and the arg_* helpers (registers.hpp) do the same for types.
// - Speed. With keyword arguments pybind11 3.1 re-derives every parameter name per call
//   (~1 µs, as much as the three HMACs of a TOTP window), and verification always
//   passes keywords.
// The functions look to Python exactly like pybind11's own (a builtin whose self is a
// capsule; methods wrapped in instancemethod), and the first line of each docstring is
// the signature, so help() and pybind11-stubgen read them as usual. C++ exceptions go
// through the module's one set of translators (module.cpp).
//
// Each parameter is declared once, as a FastParam in the list its body reads through
// FastArgs. The call parsing (names, how many may be positional, how many are required),
// the body's slot for each name and the docstring's signature line (hence _core.pyi)
// all come from that list, so they cannot disagree; tests/core/test_signatures.py checks
// the stub, the docstrings and the behaviour against each other at run time.
#pragma once

#include <Python.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "registers.hpp"

namespace totp_native::bindings {

inline constexpr std::size_t kMaxFastParams = 12;

enum class ParamKind { kPositional, kKeywordOnly };
inline constexpr ParamKind kKeywordOnly = ParamKind::kKeywordOnly;

// FastParam is one parameter: its name, its type annotation and its default as Python
// source (the text the signature line shows), and whether it is keyword-only.
struct FastParam {
  // |default_repr| nullptr: the parameter is required. |annotation| nullptr only for self.
  constexpr FastParam(const char* name, const char* annotation = nullptr,
                      const char* default_repr = nullptr,
                      ParamKind kind = ParamKind::kPositional) noexcept
      : name(name), annotation(annotation), default_repr(default_repr), kind(kind) {}
  // Nameless (signature_problem refuses it): only to fill arrays that are then assigned.
  constexpr FastParam() noexcept : FastParam("") {}

  const char* name;
  const char* annotation;
  const char* default_repr;
  ParamKind kind;
};
// A method's first parameter: its FastArgs slot holds the instance.
inline constexpr FastParam kSelf{"self"};

// signature_problem returns what is wrong with |params| as a signature FastSignature can
// parse, or nullptr. Required parameters come first (FastSignature counts them as a
// prefix), keyword-only ones after the positional ones; names are unique; "self" can
// only be a method's first parameter (|method|: it must be) and is the only one without
// an annotation.
constexpr const char* signature_problem(std::span<const FastParam> params, bool method) {
  if (params.size() > kMaxFastParams) return "more parameters than kMaxFastParams";
  if (method && (params.empty() || std::string_view(params[0].name) != "self")) {
    return "a method's first parameter must be self";
  }
  bool optional_seen = false;
  bool keyword_only_seen = false;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const FastParam& p = params[i];
    if (p.name == nullptr || *p.name == '\0') return "a parameter has no name";
    const bool self = method && i == 0;
    if (!self && std::string_view(p.name) == "self") {
      return "self must be a method's first parameter";
    }
    if (self != (p.annotation == nullptr)) return "every parameter but self needs an annotation";
    if (self && p.default_repr != nullptr) return "self cannot have a default";
    for (std::size_t j = 0; j < i; ++j) {
      if (std::string_view(params[j].name) == p.name) return "two parameters have the same name";
    }
    if (p.default_repr == nullptr && optional_seen) {
      return "a required parameter follows one with a default";
    }
    optional_seen |= p.default_repr != nullptr;
    if (p.kind == ParamKind::kPositional && keyword_only_seen) {
      return "a positional parameter follows a keyword-only one";
    }
    keyword_only_seen |= p.kind == ParamKind::kKeywordOnly;
  }
  return nullptr;
}

// slot_of returns the position of parameter |name| in |params|; only at compile time, so
// a name that |params| does not declare is a compile error (at the throw).
consteval std::size_t slot_of(std::span<const FastParam> params, const char* name) {
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (std::string_view(params[i].name) == name) return i;
  }
  throw "no parameter of this name in the body's parameter list";
}

// FastArgs gives a body its arguments by name: a["counter"] is the argument of parameter
// "counter" of Params, or nullptr when an optional one was omitted. The name is looked up
// at compile time, so the call costs an index and a reordered or renamed declaration
// cannot make a body read another parameter's argument.
template <const auto& Params>
class FastArgs {
 public:
  class Name {
   public:
    // Implicit, so that a["name"] reads as a lookup.
    consteval Name(const char* name) : slot_(slot_of(Params, name)) {}
    constexpr std::size_t slot() const noexcept { return slot_; }

   private:
    std::size_t slot_;
  };

  explicit FastArgs(PyObject* const* slots) noexcept : slots_(slots) {}
  PyObject* operator[](Name name) const noexcept { return slots_[name.slot()]; }

 private:
  PyObject* const* slots_;
};

class FastSignature {
 public:
  // |function| names the function in errors. Throws std::logic_error (an ImportError
  // when the module is imported) when signature_problem finds |params| unparseable.
  FastSignature(std::string function, std::span<const FastParam> params, bool method);

  // parse fills |out| (size() slots) with borrowed references, nullptr for an omitted
  // optional parameter. Returns false with a TypeError set on a call that does not fit
  // the signature.
  bool parse(PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames, PyObject** out) const;
  // parse_tuple is parse for a call received as (*args, **kwargs).
  bool parse_tuple(const py::tuple& args, const py::dict& kwargs, PyObject** out) const;
  std::size_t size() const noexcept { return names_.size(); }

 private:
  bool place_positional(PyObject* const* args, Py_ssize_t nargs, PyObject** out) const;
  bool place_keyword(PyObject* name, PyObject* value, PyObject** out) const;
  bool check_required(PyObject** out) const;

  std::string function_;
  std::vector<const char*> names_;
  std::vector<PyObject*> interned_;  // immortal for the life of the module
  std::size_t max_positional_;
  std::size_t required_;
};

// signature_doc returns a docstring: the signature line "name(p: T = d, *, q: U) ->
// returns" rendered from |params|, a blank line, then |description|.
std::string signature_doc(std::string_view name, std::span<const FastParam> params,
                          std::string_view returns, std::string_view description);

// FastBody receives one slot per parameter (nullptr: omitted) and returns the result.
using FastBody = py::object (*)(PyObject* const* slots);

// FastDef is a function as def_fast registers it; the templates below fill it from a
// body's FastArgs type.
struct FastDef {
  const char* name;
  std::span<const FastParam> params;  // a method's first parameter is kSelf
  const char* returns;                // the return annotation
  const char* description;            // the docstring after the signature line
  FastBody body;
};

// def_fast adds the function |def| to module |m|.
void def_fast(py::module_& m, const FastDef& def);
// def_fast_method adds |def| as a method of class |cls|; its "self" is the instance.
void def_fast_method(py::handle cls, const FastDef& def);

// BodyOf<decltype(body)> names what a body of type py::object(FastArgs<Params>) reads.
template <typename Body>
struct BodyOf;
template <const auto& Params, typename Result>
struct BodyOf<Result (*)(FastArgs<Params>)> {
  using Args = FastArgs<Params>;
  static constexpr std::span<const FastParam> params{Params};
};

template <auto Body>
py::object call_body(PyObject* const* slots) {
  return Body(typename BodyOf<decltype(Body)>::Args(slots));
}

// def_fast<body>(m, "name", "returns", R"doc(description)doc") adds a function whose
// parameters are those the body reads (its FastArgs list).
template <auto Body>
void def_fast(py::module_& m, const char* name, const char* returns, const char* description) {
  static_assert(signature_problem(BodyOf<decltype(Body)>::params, false) == nullptr,
                "the parameter list breaks a rule of signature_problem (fastcall.hpp)");
  def_fast(m, FastDef{name, BodyOf<decltype(Body)>::params, returns, description,
                      &call_body<Body>});
}

// def_fast_method is def_fast for a method of |cls|; the list starts with kSelf.
template <auto Body>
void def_fast_method(py::handle cls, const char* name, const char* returns,
                     const char* description) {
  static_assert(signature_problem(BodyOf<decltype(Body)>::params, true) == nullptr,
                "the parameter list breaks a rule of signature_problem (fastcall.hpp)");
  def_fast_method(cls, FastDef{name, BodyOf<decltype(Body)>::params, returns, description,
                               &call_body<Body>});
}

// def_fast_init adds __init__ to |cls|, built by |Make| (a C++ value from its FastArgs,
// declared without self). pybind11 still allocates the instance, but the arguments
// arrive as (*args, **kwargs) and are parsed by FastSignature, so no call can make
// pybind11 echo them (the key).
template <auto Make, typename Class>
void def_fast_init(Class& cls, const char* description) {
  using Of = BodyOf<decltype(Make)>;
  static_assert(signature_problem(Of::params, false) == nullptr,
                "the parameter list breaks a rule of signature_problem (fastcall.hpp)");
  // Built while the module initialises, so a bad list fails the import, not a call.
  static const FastSignature signature(py::str(cls.attr("__name__")), Of::params, false);
  std::vector<FastParam> with_self{kSelf};
  with_self.insert(with_self.end(), Of::params.begin(), Of::params.end());
  cls.def(py::init([](const py::args& args, const py::kwargs& kwargs) {
            PyObject* slots[kMaxFastParams];
            if (!signature.parse_tuple(args, kwargs, slots)) throw py::error_already_set();
            return Make(typename Of::Args(slots));
          }),
          signature_doc("__init__", with_self, "None", description).c_str());
}

// call_guarded runs |body| (returning py::object) and converts any C++ exception into
// the Python error the module's translators choose; returns a new reference or nullptr.
template <typename Body>
PyObject* call_guarded(Body&& body) noexcept {
  try {
    return body().release().ptr();
  } catch (...) {
    py::detail::try_translate_exceptions();
    return nullptr;
  }
}

}  // namespace totp_native::bindings
