#include "fastcall.hpp"

#include <stdexcept>
#include <string>
#include <utility>

namespace totp_native::bindings {

namespace {

// Rules signature_problem must keep refusing: lists that FastSignature would parse as
// something other than what their signature line says.
constexpr FastParam kOptionalThenRequired[] = {{"a", "int", "1"}, {"b", "int"}};
constexpr FastParam kKeywordOnlyThenPositional[] = {{"a", "int", "1", kKeywordOnly}, {"b", "int", "2"}};
constexpr FastParam kSameNameTwice[] = {{"a", "int"}, {"a", "str"}};
constexpr FastParam kSelfNotFirst[] = {{"a", "int"}, kSelf};
constexpr FastParam kUnannotated[] = {kSelf, {"a"}};
constexpr FastParam kSelfOnly[] = {kSelf};
static_assert(signature_problem(kOptionalThenRequired, false) != nullptr);
static_assert(signature_problem(kKeywordOnlyThenPositional, false) != nullptr);
static_assert(signature_problem(kSameNameTwice, false) != nullptr);
static_assert(signature_problem(kSelfNotFirst, true) != nullptr);
static_assert(signature_problem(kSelfNotFirst, false) != nullptr);
static_assert(signature_problem(kUnannotated, true) != nullptr);
static_assert(signature_problem(kSelfOnly, false) != nullptr);
static_assert(signature_problem(kSelfOnly, true) == nullptr);

}  // namespace

FastSignature::FastSignature(std::string function, std::span<const FastParam> params, bool method)
    : function_(std::move(function)), max_positional_(0), required_(0) {
  if (const char* problem = signature_problem(params, method)) {
    throw std::logic_error(function_ + ": " + problem);
  }
  for (const FastParam& param : params) {
    if (param.kind == ParamKind::kPositional) ++max_positional_;
    if (param.default_repr == nullptr) ++required_;
    names_.push_back(param.name);
    PyObject* interned = PyUnicode_InternFromString(param.name);
    if (interned == nullptr) throw py::error_already_set();
    interned_.push_back(interned);
  }
}

bool FastSignature::place_keyword(PyObject* name, PyObject* value, PyObject** out) const {
  std::size_t slot = names_.size();
  // Call sites pass interned names, so identity almost always decides; a name built at
  // run time (f(**kwargs) with computed keys) falls back to comparing text.
  for (std::size_t i = 0; i < interned_.size(); ++i) {
    if (name == interned_[i]) {
      slot = i;
      break;
    }
  }
  if (slot == names_.size()) {
    for (std::size_t i = 0; i < interned_.size(); ++i) {
      const int cmp = PyObject_RichCompareBool(name, interned_[i], Py_EQ);
      if (cmp < 0) return false;
      if (cmp == 1) {
        slot = i;
        break;
      }
    }
  }
  if (slot == names_.size()) {
    PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument %.64R",
                 function_.c_str(), name);
    return false;
  }
  if (out[slot] != nullptr) {
    PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%s'", function_.c_str(),
                 names_[slot]);
    return false;
  }
  out[slot] = value;
  return true;
}

bool FastSignature::check_required(PyObject** out) const {
  for (std::size_t i = 0; i < required_; ++i) {
    if (out[i] == nullptr) {
      PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s'", function_.c_str(),
                   names_[i]);
      return false;
    }
  }
  return true;
}

bool FastSignature::place_positional(PyObject* const* args, Py_ssize_t nargs,
                                     PyObject** out) const {
  for (std::size_t i = 0; i < names_.size(); ++i) out[i] = nullptr;
  const auto positional = static_cast<std::size_t>(nargs);
  if (positional > max_positional_) {
    PyErr_Format(PyExc_TypeError, "%s() takes at most %zu positional arguments (%zd given)",
                 function_.c_str(), max_positional_, nargs);
    return false;
  }
  for (std::size_t i = 0; i < positional; ++i) out[i] = args[i];
  return true;
}

bool FastSignature::parse(PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames,
                          PyObject** out) const {
  if (!place_positional(args, nargs, out)) return false;
  const Py_ssize_t nkw = kwnames == nullptr ? 0 : PyTuple_GET_SIZE(kwnames);
  for (Py_ssize_t k = 0; k < nkw; ++k) {
    if (!place_keyword(PyTuple_GET_ITEM(kwnames, k), args[nargs + k], out)) return false;
  }
  return check_required(out);
}

bool FastSignature::parse_tuple(const py::tuple& args, const py::dict& kwargs,
                                PyObject** out) const {
  std::vector<PyObject*> flat;
  for (const py::handle item : args) flat.push_back(item.ptr());
  if (!place_positional(flat.data(), static_cast<Py_ssize_t>(flat.size()), out)) return false;
  Py_ssize_t pos = 0;
  PyObject* key = nullptr;
  PyObject* value = nullptr;
  while (PyDict_Next(kwargs.ptr(), &pos, &key, &value)) {
    if (!place_keyword(key, value, out)) return false;
  }
  return check_required(out);
}

std::string signature_doc(std::string_view name, std::span<const FastParam> params,
                          std::string_view returns, std::string_view description) {
  std::string doc(name);
  doc += '(';
  bool keyword_only_marked = false;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const FastParam& param = params[i];
    if (i > 0) doc += ", ";
    if (param.kind == ParamKind::kKeywordOnly && !keyword_only_marked) {
      doc += "*, ";
      keyword_only_marked = true;
    }
    doc += param.name;
    if (param.annotation != nullptr) {
      doc += ": ";
      doc += param.annotation;
    }
    if (param.default_repr != nullptr) {
      // PEP 8 spacing, which pybind11-stubgen keeps: "= " only after an annotation.
      doc += param.annotation != nullptr ? " = " : "=";
      doc += param.default_repr;
    }
  }
  doc += ") -> ";
  doc += returns;
  if (!description.empty()) {
    doc += "\n\n";
    doc += description;
  }
  return doc;
}

namespace {

// FastFunction lives as long as the module (the function objects hold it via capsule).
struct FastFunction {
  FastSignature signature;
  FastBody body;
  std::string doc;
  PyMethodDef method_def;
};

PyObject* trampoline(PyObject* capsule, PyObject* const* args, Py_ssize_t nargs,
                     PyObject* kwnames) {
  const auto* function = static_cast<const FastFunction*>(PyCapsule_GetPointer(capsule, nullptr));
  if (function == nullptr) return nullptr;
  PyObject* slots[kMaxFastParams];
  if (!function->signature.parse(args, nargs, kwnames, slots)) return nullptr;
  return call_guarded([&] { return function->body(slots); });
}

py::object make_function(const FastDef& def, py::handle module_name, bool method) {
  // Intentionally never freed: builtins keep a pointer to their PyMethodDef for life.
  auto* function = new FastFunction{
      FastSignature(def.name, def.params, method), def.body,
      signature_doc(def.name, def.params, def.returns, def.description),
      PyMethodDef{def.name, reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&trampoline)),
                  METH_FASTCALL | METH_KEYWORDS, nullptr}};
  function->method_def.ml_doc = function->doc.c_str();
  auto self = py::reinterpret_steal<py::object>(PyCapsule_New(function, nullptr, nullptr));
  if (!self) throw py::error_already_set();
  auto object = py::reinterpret_steal<py::object>(
      PyCFunction_NewEx(&function->method_def, self.ptr(), module_name.ptr()));
  if (!object) throw py::error_already_set();
  return object;
}

}  // namespace

void def_fast(py::module_& m, const FastDef& def) {
  m.add_object(def.name, make_function(def, m.attr("__name__"), false));
}

void def_fast_method(py::handle cls, const FastDef& def) {
  py::object function = make_function(def, cls.attr("__module__"), true);
  // instancemethod binds the instance as the first argument, as for pybind11's methods.
  auto method = py::reinterpret_steal<py::object>(PyInstanceMethod_New(function.ptr()));
  if (!method) throw py::error_already_set();
  py::setattr(cls, def.name, method);
}

}  // namespace totp_native::bindings
