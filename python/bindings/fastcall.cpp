#include "fastcall.hpp"

#include <string>

namespace totp_native::bindings {

FastSignature::FastSignature(const char* function, std::initializer_list<const char*> params,
                             std::size_t max_positional, std::size_t required)
    : function_(function), names_(params), max_positional_(max_positional), required_(required) {
  if (names_.size() > kMaxFastParams) throw std::logic_error("too many parameters");
  for (const char* name : names_) {
    PyObject* interned = PyUnicode_InternFromString(name);
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
    PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument %.64R", function_, name);
    return false;
  }
  if (out[slot] != nullptr) {
    PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%s'", function_,
                 names_[slot]);
    return false;
  }
  out[slot] = value;
  return true;
}

bool FastSignature::check_required(PyObject** out) const {
  for (std::size_t i = 0; i < required_; ++i) {
    if (out[i] == nullptr) {
      PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s'", function_, names_[i]);
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
                 function_, max_positional_, nargs);
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

namespace {

// FastFunction lives as long as the module (the function objects hold it via capsule).
struct FastFunction {
  FastSignature signature;
  FastBody body;
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

py::object make_function(const FastDef& def, py::handle module_name) {
  // Intentionally never freed: builtins keep a pointer to their PyMethodDef for life.
  auto* function = new FastFunction{
      FastSignature(def.name, def.params, def.max_positional, def.required), def.body,
      PyMethodDef{def.name, reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&trampoline)),
                  METH_FASTCALL | METH_KEYWORDS, def.doc}};
  auto self = py::reinterpret_steal<py::object>(PyCapsule_New(function, nullptr, nullptr));
  if (!self) throw py::error_already_set();
  auto object = py::reinterpret_steal<py::object>(
      PyCFunction_NewEx(&function->method_def, self.ptr(), module_name.ptr()));
  if (!object) throw py::error_already_set();
  return object;
}

}  // namespace

void def_fast(py::module_& m, const FastDef& def) {
  m.add_object(def.name, make_function(def, m.attr("__name__")));
}

void def_fast_method(py::handle cls, const FastDef& def) {
  py::object function = make_function(def, cls.attr("__module__"));
  // instancemethod binds the instance as the first argument, as for pybind11's methods.
  auto method = py::reinterpret_steal<py::object>(PyInstanceMethod_New(function.ptr()));
  if (!method) throw py::error_already_set();
  py::setattr(cls, def.name, method);
}

}  // namespace totp_native::bindings
