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
#pragma once

#include <Python.h>

#include <initializer_list>
#include <vector>

#include "registers.hpp"

namespace totp_native::bindings {

inline constexpr std::size_t kMaxFastParams = 12;

class FastSignature {
 public:
  // |function| names the function in errors. The first |max_positional| parameters may
  // be passed positionally; the first |required| must be passed.
  FastSignature(const char* function, std::initializer_list<const char*> params,
                std::size_t max_positional, std::size_t required);

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

  const char* function_;
  std::vector<const char*> names_;
  std::vector<PyObject*> interned_;  // immortal for the life of the module
  std::size_t max_positional_;
  std::size_t required_;
};

// FastBody receives one slot per parameter (nullptr: omitted) and returns the result.
using FastBody = py::object (*)(PyObject** args);

struct FastDef {
  const char* name;
  std::initializer_list<const char*> params;  // a method's first parameter is "self"
  std::size_t max_positional;
  std::size_t required;
  const char* doc;  // "name(signature) -> type\n\nWhat it does."
  FastBody body;
};

// def_fast adds the function |def| to module |m|.
void def_fast(py::module_& m, const FastDef& def);
// def_fast_method adds |def| as a method of class |cls|; args[0] is the instance.
void def_fast_method(py::handle cls, const FastDef& def);

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
