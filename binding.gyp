# The addon is built by CMake (CMakeLists.txt, driven by cmake-js). This file
# exists for tools that only know node-gyp: its one target runs that build.
{
  "targets": [
    {
      "target_name": "fathom",
      "type": "none",
      "actions": [
        {
          "action_name": "cmake_js_build",
          "inputs": ["CMakeLists.txt"],
          "outputs": ["build/Release/fathom.node"],
          "action": ["node", "scripts/build-native.mjs"]
        }
      ]
    }
  ]
}
